package io.switchboard.rebalance;

import io.switchboard.cluster.NodeRegistry;
import io.switchboard.cluster.NodeState;
import io.switchboard.cluster.NodeView;
import io.switchboard.session.Placement;
import java.util.List;
import java.util.function.IntSupplier;

/**
 * {@link Placement} from the registry's last view: while a node drains or a rebalance runs, this
 * node refuses new connections when it holds more than the mean of the ready nodes (rounded up),
 * counting its own connections as they are now and the others' as their last heartbeat said. A node
 * at or below the mean takes them, so moved clients end on the emptier nodes even behind a
 * round-robin balancer. At rest nothing is refused: clients go where the balancer sends them.
 */
final class FairShare implements Placement {

    private final NodeRegistry registry;
    private final IntSupplier localConnections;

    FairShare(NodeRegistry registry, IntSupplier localConnections) {
        this.registry = registry;
        this.localConnections = localConnections;
    }

    @Override
    public boolean refuseNewConnection() {
        List<NodeView> nodes = registry.lastSeen();
        if (!registry.rebalancing() && nodes.stream().noneMatch(node -> node.state() == NodeState.DRAINING)) {
            return false;
        }
        String self = registry.self();
        int local = localConnections.getAsInt();
        long total = local;
        int ready = 1;
        for (NodeView node : nodes) {
            if (node.state() == NodeState.READY && !node.id().equals(self)) {
                total += node.connections();
                ready++;
            }
        }
        return ready > 1 && local > Math.ceil((double) total / ready);
    }
}
