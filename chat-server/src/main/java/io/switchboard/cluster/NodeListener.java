package io.switchboard.cluster;

/** Told of changes in the cluster's membership, on the registry's heartbeat thread; must not block long. */
public interface NodeListener {

    /** {@code node} stopped sending heartbeats; this node is the one (of the cluster) that cleans up after it. */
    default void nodeDied(String node) {
    }

    /**
     * This node's own entry was missing when it wrote its heartbeat: it is new, or the registry's
     * backend lost its data; anything this node keeps there must be written again.
     */
    default void registered() {
    }
}
