package io.switchboard.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The {@link NodeRegistry} guarantees, run over every implementation, on a clock of the test's.
 *
 * <p>What the implementations promise differently is stated by each, not assumed: a registry shows
 * this node's entry as it is after a {@link #heartbeat} (Redis writes it then; the in-memory one
 * always shows it as it is now), and {@link #refusesALoneNodesDrain()} says whether a drain is
 * refused when no other node is ready (the Redis registry coordinates with the cluster and refuses
 * it; the in-memory one is the whole cluster, has nobody to coordinate with, and never refuses).
 * What only a cluster has (other nodes, their deaths, the drain rules between them, a rebalance
 * running) is tested in the Redis subclass.
 */
abstract class NodeRegistryContractTests {

    protected static final String VERSION = "1.2.3";
    protected static final String ADDRESS = "host-b:8080";
    private static final String SELF = "node-b";

    protected final TestClock clock = new TestClock(Instant.parse("2030-01-01T00:00:00Z"));
    /** This node's open connections, as the session layer would count them. */
    protected final AtomicInteger connections = new AtomicInteger();
    protected NodeRegistry registry;
    private Instant createdAt;

    /**
     * A fresh registry for node {@code id}, running {@link #VERSION} at {@link #ADDRESS}, its
     * connections read from {@link #connections}, its time from {@link #clock}; no other node in it.
     */
    protected abstract NodeRegistry createRegistry(String id);

    /** What brings the registry's view of this node up to date: its heartbeat, where it has one. */
    protected abstract void heartbeat(NodeRegistry registry);

    /** Whether an unforced drain is refused when no other node is ready to take the sessions. */
    protected abstract boolean refusesALoneNodesDrain();

    @BeforeEach
    void setUpRegistry() {
        createdAt = clock.instant();
        registry = createRegistry(SELF);
        clock.advance(Duration.ofSeconds(3));
    }

    @Test
    void namesItselfAndListsItsOwnEntry() {
        connections.set(7);
        heartbeat(registry);

        assertThat(registry.self()).isEqualTo(SELF);
        assertThat(registry.nodes()).containsExactly(new NodeView(SELF, NodeState.READY, VERSION, ADDRESS, 7, createdAt,
                clock.instant(), ""));
    }

    @Test
    void showsTheConnectionCountOfTheLastHeartbeat() {
        connections.set(3);
        heartbeat(registry);
        assertThat(registry.nodes()).extracting(NodeView::connections).containsExactly(3);

        connections.set(250);
        clock.advance(Duration.ofSeconds(2));
        heartbeat(registry);
        assertThat(registry.nodes()).singleElement().satisfies(node -> {
            assertThat(node.connections()).isEqualTo(250);
            assertThat(node.heartbeatAt()).isEqualTo(clock.instant());
            assertThat(node.startedAt()).isEqualTo(createdAt);
        });
    }

    @Test
    void alwaysCountsItselfLiveAndSeesItselfAfterAHeartbeat() {
        assertThat(registry.liveNodeIds()).as("before any heartbeat").containsExactly(SELF);

        heartbeat(registry);
        assertThat(registry.lastSeen()).isEqualTo(registry.nodes());
        assertThat(registry.lastSeen()).extracting(NodeView::id).containsExactly(SELF);
        assertThat(registry.liveNodeIds()).containsExactly(SELF);
    }

    @Test
    void writesANewStateAtOnce() {
        heartbeat(registry);
        assertThat(registry.state()).isEqualTo(NodeState.READY);

        for (NodeState state : List.of(NodeState.DRAINING, NodeState.DRAINED, NodeState.READY)) {
            registry.setState(state);
            assertThat(registry.state()).isEqualTo(state);
            assertThat(registry.nodes()).as("without waiting for a heartbeat").extracting(NodeView::state)
                    .containsExactly(state);
        }
    }

    @Test
    void aForcedDrainIsNeverRefused() {
        heartbeat(registry);

        assertThat(registry.tryDrain(1, true)).isEmpty();
        assertThat(registry.state()).isEqualTo(NodeState.DRAINING);
        assertThat(registry.nodes()).extracting(NodeView::state).containsExactly(NodeState.DRAINING);
    }

    @Test
    void anUnforcedDrainOfALoneNodeIsRefusedOnlyWhereTheRegistryCoordinates() {
        heartbeat(registry);

        Optional<NodeRegistry.DrainRefusal> refusal = registry.tryDrain(1, false);

        if (refusesALoneNodesDrain()) {
            assertThat(refusal).hasValueSatisfying(why -> {
                assertThat(why.othersDraining()).as("waiting would not help").isFalse();
                assertThat(why.reason()).isNotBlank();
            });
            assertThat(registry.state()).as("a refused drain changes nothing").isEqualTo(NodeState.READY);
            assertThat(registry.nodes()).extracting(NodeView::state).containsExactly(NodeState.READY);
        } else {
            assertThat(refusal).isEmpty();
            assertThat(registry.state()).isEqualTo(NodeState.DRAINING);
            assertThat(registry.nodes()).extracting(NodeView::state).containsExactly(NodeState.DRAINING);
        }
    }

    @Test
    void seesNoRebalanceWhenNoneRuns() {
        heartbeat(registry);

        assertThat(registry.rebalancing()).isFalse();
    }

    @Test
    void tellsItsListenersOfNoDeathWhenItIsAlone() {
        List<String> died = new CopyOnWriteArrayList<>();
        registry.addListener(new NodeListener() {
            @Override
            public void nodeDied(String node) {
                died.add(node);
            }
        });

        heartbeat(registry);
        clock.advance(Duration.ofMinutes(5)); // far past any ttl: this node was silent, not dead
        heartbeat(registry);

        assertThat(died).isEmpty();
        assertThat(registry.nodes()).extracting(NodeView::id).containsExactly(SELF);
    }

    /** A clock the test moves by hand; whole milliseconds, as the Redis registry stores them. */
    protected static final class TestClock extends Clock {
        private volatile Instant now;

        TestClock(Instant start) {
            this.now = start;
        }

        void advance(Duration time) {
            now = now.plus(time);
        }

        @Override
        public Instant instant() {
            return now;
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }
    }
}
