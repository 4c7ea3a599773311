package io.switchboard.rebalance;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.cluster.NodeListener;
import io.switchboard.cluster.NodeRegistry;
import io.switchboard.cluster.NodeState;
import io.switchboard.cluster.NodeView;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Where new connections may go while connections move, from a registry view the test sets. */
class FairShareTests {

    private final ViewOnly registry = new ViewOnly();
    private final AtomicInteger local = new AtomicInteger();
    /** No tolerance: the mean itself is the line. */
    private final FairShare placement = new FairShare(registry, local::get, 0);

    @Test
    void atRestNobodyIsRefused() {
        registry.view(node("self", NodeState.READY, 40), node("b", NodeState.READY, 0));
        local.set(40);
        assertThat(placement.refuseNewConnection()).isFalse();
    }

    @Test
    void whileARebalanceRunsANodeAboveTheMeanRefusesAndOneAtOrBelowItTakes() {
        registry.rebalancing = true;
        registry.view(node("self", NodeState.READY, 23), node("b", NodeState.READY, 22), node("c", NodeState.READY, 0));
        local.set(23);
        assertThat(placement.refuseNewConnection()).as("23 above the mean 15").isTrue();
        local.set(15);
        assertThat(placement.refuseNewConnection())
                .as("its own count as it is now, 15: with one more above 38 over three, rounded up").isTrue();
        local.set(11);
        assertThat(placement.refuseNewConnection()).as("11: with one more at most the mean of 34 over three, rounded up")
                .isFalse();
    }

    @Test
    void whileANodeDrainsItsConnectionsCountForNobodyAndTheReadyOnesShareThem() {
        registry.view(node("self", NodeState.READY, 10), node("b", NodeState.READY, 2), node("d", NodeState.DRAINING, 30));
        local.set(10);
        assertThat(placement.refuseNewConnection()).isTrue();
        local.set(3);
        assertThat(placement.refuseNewConnection()).as("3: with one more above the mean of 6 over two").isTrue();
        local.set(2);
        assertThat(placement.refuseNewConnection()).as("2: with one more at most the mean of 5 over two, rounded up")
                .isFalse();
    }

    @Test
    void theNodeTheLastViewShowsEmptiestTakesClientsWhateverItsOwnCountSaysNow() {
        registry.view(node("self", NodeState.READY, 1000), node("b", NodeState.READY, 1000),
                node("d", NodeState.DRAINING, 900));
        local.set(1100); // clients arrived since its heartbeat
        assertThat(placement.refuseNewConnection()).as("tied for the fewest in the view every node reads").isFalse();
        registry.view(node("self", NodeState.READY, 1100), node("b", NodeState.READY, 1000),
                node("d", NodeState.DRAINING, 900));
        local.set(1110);
        assertThat(placement.refuseNewConnection()).as("b is the emptiest in the view, and takes them").isTrue();
    }

    @Test
    void aNodeSupposesTheOthersGrewSinceTheirHeartbeatAsItDidSinceItsOwn() {
        registry.view(node("self", NodeState.READY, 1002), node("b", NodeState.READY, 1001),
                node("c", NodeState.READY, 1003), node("d", NodeState.DRAINING, 900));
        local.set(1102); // level with b and c as they are now, if they gained 100 too (a leastconn balancer)
        assertThat(placement.refuseNewConnection())
                .as("1102 and one more at most the mean of 1102, 1101, 1103 and it, rounded up").isFalse();
        local.set(1001);
        registry.view(node("self", NodeState.READY, 1001), node("b", NodeState.READY, 900),
                node("c", NodeState.READY, 900), node("d", NodeState.DRAINING, 900));
        assertThat(placement.refuseNewConnection()).as("1001 above the mean of 1001, 900 and 900").isTrue();
    }

    @Test
    void aNodeWithinTheToleranceAboveTheMeanTakesClients() {
        FairShare tolerant = new FairShare(registry, local::get, 0.1);
        registry.view(node("self", NodeState.READY, 1200), node("b", NodeState.READY, 1000),
                node("d", NodeState.DRAINING, 900));
        local.set(1200);
        assertThat(tolerant.refuseNewConnection()).as("1200 within the mean 1100 + 110").isFalse();
        assertThat(placement.refuseNewConnection()).as("without a tolerance: above the mean").isTrue();
        registry.view(node("self", NodeState.READY, 1300), node("b", NodeState.READY, 1000),
                node("d", NodeState.DRAINING, 900));
        local.set(1300);
        assertThat(tolerant.refuseNewConnection()).as("1300 above the mean 1150 + 115").isTrue();
        registry.view(node("self", NodeState.READY, 16), node("b", NodeState.READY, 14),
                node("d", NodeState.DRAINING, 9));
        local.set(16);
        assertThat(tolerant.refuseNewConnection()).as("16 and one more within the mean 15.5, rounded up, + 1.55")
                .isFalse();
        registry.view(node("self", NodeState.READY, 18), node("b", NodeState.READY, 14),
                node("d", NodeState.DRAINING, 9));
        local.set(18);
        assertThat(tolerant.refuseNewConnection())
                .as("18 and one more above the mean 16.5, rounded up, + 1.65: no absolute slack").isTrue();
    }

    @Test
    void behindRoundRobinNoNodePassesTheMeanAndTheToleranceSoTheEmptiestEndsWithinIt() {
        FairShare tolerant = new FairShare(registry, local::get, 0.1);
        registry.rebalancing = true;
        registry.view(node("self", NodeState.READY, 16), node("b", NodeState.READY, 16),
                node("c", NodeState.READY, 12));
        local.set(16);
        assertThat(tolerant.refuseNewConnection()).as("a 17th is above the mean 15 + 1.5 of the 45").isTrue();
        local.set(15);
        assertThat(tolerant.refuseNewConnection()).as("a 16th is within the mean of 44, rounded up, + 1.47").isFalse();
    }

    @Test
    void theLastReadyNodeTakesEveryone() {
        registry.view(node("self", NodeState.READY, 50), node("d", NodeState.DRAINING, 30));
        local.set(50);
        assertThat(placement.refuseNewConnection()).isFalse();
    }

    private static NodeView node(String id, NodeState state, int connections) {
        return new NodeView(id, state, "v", id + ":8080", connections, Instant.EPOCH, Instant.EPOCH, "");
    }

    /** A registry that only has a view, as the last heartbeat would have left it. */
    private static final class ViewOnly implements NodeRegistry {
        private final List<NodeView> nodes = new ArrayList<>();
        boolean rebalancing;

        void view(NodeView... view) {
            nodes.clear();
            nodes.addAll(List.of(view));
        }

        @Override
        public String self() {
            return "self";
        }

        @Override
        public List<NodeView> nodes() {
            return nodes;
        }

        @Override
        public List<NodeView> lastSeen() {
            return nodes;
        }

        @Override
        public boolean rebalancing() {
            return rebalancing;
        }

        @Override
        public void setState(NodeState state) {
            throw new UnsupportedOperationException("not a view");
        }

        @Override
        public NodeState state() {
            return NodeState.READY;
        }

        @Override
        public Optional<DrainRefusal> tryDrain(int maxConcurrent, boolean force) {
            throw new UnsupportedOperationException("not a view");
        }

        @Override
        public void addListener(NodeListener listener) {
        }
    }
}
