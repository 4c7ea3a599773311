package io.switchboard.rebalance;

import io.switchboard.cluster.NodeRegistry;
import io.switchboard.cluster.NodeState;
import io.switchboard.cluster.NodeView;
import io.switchboard.session.Placement;
import java.util.List;
import java.util.function.IntSupplier;

/**
 * {@link Placement} from the registry's last view: while a node drains or a rebalance runs, this
 * node refuses a new connection when taking it would leave it above the mean of the ready nodes
 * (with that connection, rounded up) plus the rebalance's relative tolerance
 * ({@code tolerance-relative * mean}; not its absolute one, which would let a round-robin balancer
 * fill small nodes 3 past the mean before the rebalance, content within it, stops),
 * counting its own connections as they are now and the others' as their last heartbeat said, each
 * grown since by as many as this node gained since its own heartbeat. A node within that takes
 * them, so moved clients end on the emptier nodes even behind a round-robin balancer. At rest
 * nothing is refused: clients go where the balancer sends them.
 *
 * <p>The growth and the tolerance are what a balancer that already evens the load (HAProxy's
 * {@code leastconn}) needs: its nodes stay level as they are now, while each compared its own fresh
 * count with the others' counts of up to a heartbeat ago, which lag by the arrivals since. A node
 * a heartbeat's arrivals ahead refused, HAProxy's retries met the same, and a drain of 3,000
 * clients at 10,000 deliveries/s had over 3,000 handshakes refused, 128 of them all the way to a
 * client (its rejoin then waits {@code Retry-After}).
 *
 * <p>The node the last view shows emptiest (its own heartbeat's count at most every other ready
 * node's) never refuses. Every node reads the same view, so at least one ready node always takes a
 * client: without this, while clients arrive faster than heartbeats, each node saw its own fresh
 * count above the others' older ones and every one of them refused, and a client waited out its
 * {@code Retry-After} again and again (rejoins of seconds in a drain).
 */
final class FairShare implements Placement {

    private final NodeRegistry registry;
    private final IntSupplier localConnections;
    private final double toleranceRelative;

    FairShare(NodeRegistry registry, IntSupplier localConnections, double toleranceRelative) {
        this.registry = registry;
        this.localConnections = localConnections;
        this.toleranceRelative = toleranceRelative;
    }

    @Override
    public boolean refuseNewConnection() {
        List<NodeView> nodes = registry.lastSeen();
        if (!registry.rebalancing() && nodes.stream().noneMatch(node -> node.state() == NodeState.DRAINING)) {
            return false;
        }
        String self = registry.self();
        int local = localConnections.getAsInt();
        int selfSeen = nodes.stream().filter(node -> node.id().equals(self)).mapToInt(NodeView::connections)
                .findFirst().orElse(Integer.MAX_VALUE);
        // the others' counts are a heartbeat old: suppose each grew since as this node did
        int growth = selfSeen == Integer.MAX_VALUE ? 0 : Math.max(0, local - selfSeen);
        long total = local;
        int ready = 1;
        int othersFewest = Integer.MAX_VALUE;
        for (NodeView node : nodes) {
            if (!node.id().equals(self) && node.state() == NodeState.READY) {
                total += node.connections() + growth;
                ready++;
                othersFewest = Math.min(othersFewest, node.connections());
            }
        }
        boolean emptiestSeen = selfSeen <= othersFewest;
        // as it would be with this connection: checked before it, 23/22/0 behind round robin ended
        // 17/17/11 (each busy node took one past the line), and the rebalance's tolerance is 3
        double mean = (double) (total + 1) / ready;
        return ready > 1 && !emptiestSeen && local + 1 > Math.ceil(mean) + toleranceRelative * mean;
    }
}
