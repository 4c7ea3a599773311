package io.switchboard.cluster;

import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Every live node of the cluster with its state and connection count, kept by heartbeats: a node
 * that stops sending them drops out after {@code switchboard.cluster.ttl}, and the listeners of
 * exactly one surviving node are told ({@link NodeListener#nodeDied}), so its leftovers are cleaned
 * once.
 *
 * <p>Drains are coordinated here: {@link #tryDrain} checks the other nodes and marks this one
 * draining in one atomic step, so two nodes asked at the same moment cannot both pass the check.
 */
public interface NodeRegistry {

    /** This node's id. */
    String self();

    /** The live nodes, this one included, ordered by id; read from the registry (may wait on Redis). */
    List<NodeView> nodes();

    /**
     * The live nodes as the last heartbeat saw them (at most a heartbeat old; the last ones seen while
     * the registry cannot be reached): never waits, so paths that must not block can use it.
     */
    List<NodeView> lastSeen();

    /** Whether a rebalance runs in the cluster, as the last heartbeat saw it; never waits. */
    boolean rebalancing();

    /** The ids of {@link #lastSeen()}, this node's always included. */
    default Set<String> liveNodeIds() {
        Set<String> ids = new java.util.HashSet<>();
        ids.add(self());
        lastSeen().forEach(node -> ids.add(node.id()));
        return Set.copyOf(ids);
    }

    /** Sets this node's state and writes its entry at once. */
    void setState(NodeState state);

    NodeState state();

    /**
     * Marks this node draining unless that breaks the cluster's rules: at most {@code maxConcurrent}
     * nodes draining at once, and at least one other node left ready. {@code force} skips the checks.
     *
     * @return empty if this node is now draining, else why not
     */
    Optional<DrainRefusal> tryDrain(int maxConcurrent, boolean force);

    /**
     * Why a node may not drain now.
     *
     * @param othersDraining true when other nodes are draining (waiting helps); false when no other
     *                       node is ready to take the sessions
     * @param reason         what an operator reads
     */
    record DrainRefusal(boolean othersDraining, String reason) {}

    /** Registers a listener for other nodes' arrivals and deaths. */
    void addListener(NodeListener listener);
}
