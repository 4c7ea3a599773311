package io.switchboard.drain;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.switchboard.cluster.NodeListener;
import io.switchboard.cluster.NodeRegistry;
import io.switchboard.cluster.NodeState;
import io.switchboard.cluster.NodeView;
import io.switchboard.config.SwitchboardProperties;
import io.switchboard.session.ConnectionsWithFakeSockets;
import io.switchboard.support.ManualScheduler;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.availability.AvailabilityChangeEvent;
import org.springframework.boot.availability.ReadinessState;

/**
 * The drain's state machine, on the scheduler's clock: a hand-written registry (whose answer to
 * {@code tryDrain} the test sets) and event publisher (readiness recorded), and a real {@code
 * Connections} of twenty connections on sockets of the test's. Requested drains, refusals,
 * cancels, the end of a drain, readiness as the broker comes and goes, and the move of a node cut
 * off from Redis. The shutdown's drain (it blocks the stopping thread) is {@code ShutdownTests}'
 * and the end-to-end drain tests'.
 */
class DrainCoordinatorTests {

    private static final Duration HEALTH_CHECK_WAIT = Duration.ofSeconds(3);
    private static final Duration WINDOW = Duration.ofSeconds(10);
    private static final int MAX_CONCURRENT = 2;
    private static final int SESSIONS = 20;

    private final ManualScheduler scheduler = new ManualScheduler();
    private final ConnectionsWithFakeSockets sockets = new ConnectionsWithFakeSockets(scheduler);
    private final FakeRegistry registry = new FakeRegistry();
    private final List<ReadinessState> readiness = new ArrayList<>();
    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private DrainCoordinator drain;

    @BeforeEach
    void setUp() {
        sockets.open(SESSIONS);
        drain = coordinator(sockets);
    }

    /** A coordinator of the connections of {@code node}, telling {@link #registry} and {@link #readiness}. */
    private DrainCoordinator coordinator(ConnectionsWithFakeSockets node) {
        SwitchboardProperties.Drain settings = new SwitchboardProperties.Drain(HEALTH_CHECK_WAIT, WINDOW, 0,
                Duration.ofSeconds(1), Duration.ofSeconds(5), MAX_CONCURRENT, Duration.ofSeconds(30));
        return new DrainCoordinator(registry, node.connections(), event -> {
            if (event instanceof AvailabilityChangeEvent<?> change && change.getState() instanceof ReadinessState state) {
                readiness.add(state);
            }
        }, scheduler, settings, meters);
    }

    private int open() {
        return sockets.connections().count();
    }

    private int moved() {
        return sockets.reconnectReasons().size();
    }

    private double stateGauge() {
        return meters.get("switchboard.drain.state").gauge().value();
    }

    @Test
    void refusesNewConnectionsAtOnceAndMovesEveryoneOverTheWindowAfterTheHealthCheckWait() {
        assertThat(drain.start(null, null, false)).isEmpty();

        assertThat(registry.calls).containsExactly("tryDrain " + MAX_CONCURRENT, "state DRAINING");
        assertThat(readiness).containsExactly(ReadinessState.REFUSING_TRAFFIC);
        DrainStatus status = drain.status();
        assertThat(status.state()).isEqualTo("draining");
        assertThat(status.reason()).isEqualTo("drain");
        assertThat(status.window()).isEqualTo(WINDOW);
        assertThat(status.rate()).isNull();
        assertThat(status.sessionsLeft()).isEqualTo(SESSIONS);
        assertThat(Duration.between(status.startedAt(), status.expectedEnd())).isEqualTo(HEALTH_CHECK_WAIT.plus(WINDOW));
        assertThat(stateGauge()).isEqualTo(1);

        scheduler.advance(HEALTH_CHECK_WAIT.minusMillis(1));
        assertThat(moved()).as("nobody moved while the load balancer notices").isZero();
        scheduler.advance(Duration.ofMillis(1).plus(WINDOW.dividedBy(2)));
        assertThat(moved()).as("half the window").isBetween(SESSIONS / 2, SESSIONS / 2 + 1);
        assertThat(drain.status().moved()).isEqualTo(moved());
        assertThat(drain.currentState()).isEqualTo(DrainCoordinator.DrainState.DRAINING);

        scheduler.advance(WINDOW.dividedBy(2));
        assertThat(sockets.reconnectReasons()).hasSize(SESSIONS).containsOnly("drain");
        assertThat(drain.currentState()).isEqualTo(DrainCoordinator.DrainState.DRAINED);
        assertThat(registry.calls).endsWith("state DRAINED");
        assertThat(drain.status().state()).isEqualTo("drained");
        assertThat(drain.status().sessionsLeft()).isZero();
        assertThat(readiness).as("a drained node stays out of traffic").containsExactly(ReadinessState.REFUSING_TRAFFIC);
        assertThat(stateGauge()).isEqualTo(2);
    }

    @Test
    void aRequestedWindowOrRateOverridesTheSettings() {
        drain.start(Duration.ofSeconds(4), null, false);
        scheduler.advance(HEALTH_CHECK_WAIT.plusSeconds(2));
        assertThat(moved()).as("half of a 4 s window").isBetween(10, 11);
        drain.cancel();

        sockets.open(SESSIONS - open());
        drain.start(null, 4.0, false);
        assertThat(drain.status().rate()).isEqualTo(4.0);
        assertThat(drain.status().window()).isNull();
        int before = moved();
        scheduler.advance(HEALTH_CHECK_WAIT.plusSeconds(2));
        assertThat(moved() - before).as("two seconds at 4/s").isBetween(8, 9);
    }

    @Test
    void aDrainTheRegistryRefusesChangesNothing() {
        NodeRegistry.DrainRefusal busy = new NodeRegistry.DrainRefusal(true, "another node is draining");
        registry.answer = Optional.of(busy);

        assertThat(drain.start(null, null, false)).contains(busy);

        assertThat(drain.currentState()).isEqualTo(DrainCoordinator.DrainState.IDLE);
        assertThat(registry.calls).containsExactly("tryDrain " + MAX_CONCURRENT);
        assertThat(readiness).isEmpty();
        scheduler.advance(Duration.ofMinutes(1));
        assertThat(moved()).isZero();
        assertThat(drain.status().state()).isEqualTo("idle");
        assertThat(stateGauge()).isZero();
    }

    @Test
    void aDrainIsRefusedWhileTheRegistryCannotBeReachedUnlessForced() {
        registry.failure = new IllegalStateException("Redis is down");

        assertThat(drain.start(null, null, false)).hasValueSatisfying(refusal -> {
            assertThat(refusal.othersDraining()).isFalse();
            assertThat(refusal.reason()).contains("Redis is down").contains("force");
        });
        assertThat(drain.currentState()).isEqualTo(DrainCoordinator.DrainState.IDLE);
        assertThat(readiness).isEmpty();

        assertThat(drain.start(null, null, true)).isEmpty();
        assertThat(registry.calls).containsExactly("tryDrain " + MAX_CONCURRENT, "tryDrain " + MAX_CONCURRENT + " forced",
                "state DRAINING");
        assertThat(drain.currentState()).isEqualTo(DrainCoordinator.DrainState.DRAINING);
        assertThat(readiness).containsExactly(ReadinessState.REFUSING_TRAFFIC);
    }

    @Test
    void askingAgainWhileADrainRunsAnswersTheOneRunning() {
        drain.start(null, null, false);
        scheduler.advance(HEALTH_CHECK_WAIT.plusSeconds(1));

        assertThat(drain.start(Duration.ZERO, null, true)).isEmpty();
        assertThat(registry.calls).containsExactly("tryDrain " + MAX_CONCURRENT, "state DRAINING");
        assertThat(drain.status().window()).isEqualTo(WINDOW);
        scheduler.advance(Duration.ofMillis(50));
        assertThat(moved()).as("still at the first drain's pace").isLessThan(SESSIONS / 2);
    }

    @Test
    void cancellingBeforeTheWaitIsOverMovesNobodyAndTakesTrafficAgain() {
        drain.start(null, null, false);
        scheduler.advance(Duration.ofSeconds(1));

        drain.cancel();

        assertThat(drain.currentState()).isEqualTo(DrainCoordinator.DrainState.IDLE);
        assertThat(registry.calls).endsWith("state READY");
        assertThat(readiness).containsExactly(ReadinessState.REFUSING_TRAFFIC, ReadinessState.ACCEPTING_TRAFFIC);
        scheduler.advance(Duration.ofMinutes(1));
        assertThat(moved()).isZero();
        assertThat(stateGauge()).isZero();
    }

    @Test
    void cancellingWhileMovingStopsTheMoveAndThoseToldStillGo() {
        drain.start(null, null, false);
        scheduler.advance(HEALTH_CHECK_WAIT.plus(WINDOW.dividedBy(2)));
        int told = moved();

        drain.cancel();
        scheduler.advance(Duration.ofMinutes(1));

        assertThat(moved()).isEqualTo(told).isPositive();
        assertThat(open()).isEqualTo(SESSIONS - told);
        assertThat(drain.status().state()).isEqualTo("idle");
    }

    @Test
    void drainedOnlyOnceTheLastMovedConnectionClosed() {
        sockets.holdCloses();
        drain.start(null, null, false);
        scheduler.advance(HEALTH_CHECK_WAIT.plus(WINDOW).plusSeconds(5));

        assertThat(moved()).isEqualTo(SESSIONS);
        assertThat(drain.currentState()).as("every session told, none closed yet").isEqualTo(DrainCoordinator.DrainState.DRAINING);
        assertThat(drain.status().sessionsLeft()).isEqualTo(SESSIONS);
        assertThat(registry.calls).doesNotContain("state DRAINED");

        sockets.finishHeldCloses();
        scheduler.advance(Duration.ofMillis(50));
        assertThat(drain.currentState()).isEqualTo(DrainCoordinator.DrainState.DRAINED);
        assertThat(registry.calls).endsWith("state DRAINED");
    }

    @Test
    void aNodeWithNoSessionIsDrainedOnceTheWaitIsOver() {
        DrainCoordinator emptyNode = coordinator(new ConnectionsWithFakeSockets(scheduler));

        emptyNode.start(null, null, false);
        scheduler.advance(HEALTH_CHECK_WAIT.minusMillis(1));
        assertThat(emptyNode.currentState()).isEqualTo(DrainCoordinator.DrainState.DRAINING);
        scheduler.advance(Duration.ofMillis(1));
        assertThat(emptyNode.currentState()).as("nobody to move, nothing to pace").isEqualTo(DrainCoordinator.DrainState.DRAINED);
    }

    @Test
    void cancellingADrainedNodeTakesTrafficAgain() {
        drain.start(null, null, false);
        scheduler.advance(HEALTH_CHECK_WAIT.plus(WINDOW));
        assertThat(drain.currentState()).isEqualTo(DrainCoordinator.DrainState.DRAINED);

        drain.cancel();

        assertThat(drain.currentState()).isEqualTo(DrainCoordinator.DrainState.IDLE);
        assertThat(registry.calls).endsWith("state DRAINED", "state READY");
        assertThat(readiness).containsExactly(ReadinessState.REFUSING_TRAFFIC, ReadinessState.ACCEPTING_TRAFFIC);
    }

    @Test
    void readinessFollowsTheBrokerWhileNoDrainRuns() {
        drain.brokerLost(true);
        drain.brokerLost(true);
        assertThat(readiness).containsExactly(ReadinessState.REFUSING_TRAFFIC);

        drain.brokerLost(false);
        drain.brokerLost(false);
        assertThat(readiness).containsExactly(ReadinessState.REFUSING_TRAFFIC, ReadinessState.ACCEPTING_TRAFFIC);
        assertThat(registry.calls).as("the broker's state is no drain").isEmpty();
    }

    @Test
    void aDrainKeepsTheNodeRefusingWhenTheBrokerComesBack() {
        drain.start(null, null, false);
        drain.brokerLost(true);
        drain.brokerLost(false);

        assertThat(readiness).containsExactly(ReadinessState.REFUSING_TRAFFIC);
        assertThat(drain.currentState()).isEqualTo(DrainCoordinator.DrainState.DRAINING);
    }

    @Test
    void aDrainCancelledWithoutTheBrokerTakesTrafficOnlyOnceTheBrokerIsBack() {
        drain.start(null, null, false);
        drain.brokerLost(true);

        drain.cancel();
        assertThat(registry.calls).endsWith("state READY");
        assertThat(readiness).as("still no broker").containsExactly(ReadinessState.REFUSING_TRAFFIC);

        drain.brokerLost(false);
        assertThat(readiness).containsExactly(ReadinessState.REFUSING_TRAFFIC, ReadinessState.ACCEPTING_TRAFFIC);
    }

    @Test
    void aNodeCutOffFromRedisMovesItsClientsOverTheWindowWithoutAsking() {
        drain.moveAwayCutOff();
        scheduler.advance(Duration.ofMinutes(1));
        assertThat(moved()).as("the broker is not lost: nothing to move away from").isZero();

        drain.brokerLost(true);
        drain.moveAwayCutOff();
        scheduler.advance(WINDOW.dividedBy(2));
        assertThat(moved()).as("paced over the drain's window, no health-check wait").isBetween(10, 11);
        scheduler.advance(WINDOW.dividedBy(2));

        assertThat(sockets.reconnectReasons()).hasSize(SESSIONS).containsOnly(DrainCoordinator.CUT_OFF);
        assertThat(registry.calls).as("no coordination: the registry is in Redis").isEmpty();
        assertThat(drain.currentState()).isEqualTo(DrainCoordinator.DrainState.IDLE);
    }

    @Test
    void aCutOffMoveRunsOnceAndStopsWhenRedisIsBack() {
        drain.brokerLost(true);
        drain.moveAwayCutOff();
        scheduler.advance(WINDOW.dividedBy(2));
        int pending = scheduler.pending();
        drain.moveAwayCutOff();
        assertThat(scheduler.pending()).as("no second move").isEqualTo(pending);
        int told = moved();

        drain.brokerLost(false);
        scheduler.advance(Duration.ofMinutes(1));
        assertThat(moved()).as("those not told yet stay").isEqualTo(told);
        assertThat(open()).isEqualTo(SESSIONS - told);

        drain.brokerLost(true);
        drain.moveAwayCutOff();
        scheduler.advance(WINDOW);
        assertThat(open()).as("cut off again: the rest go").isZero();
    }

    @Test
    void noCutOffMoveWhileADrainMovesTheClients() {
        drain.start(null, null, false);
        drain.brokerLost(true);
        drain.moveAwayCutOff();
        scheduler.advance(HEALTH_CHECK_WAIT.plus(WINDOW));

        assertThat(sockets.reconnectReasons()).hasSize(SESSIONS).containsOnly("drain");
    }

    /**
     * The registry's side of a drain, by hand: {@code tryDrain} answers what the test set (or
     * throws, as an unreachable Redis does, forced or not), and every call that changes this node
     * is recorded.
     */
    private static final class FakeRegistry implements NodeRegistry {
        final List<String> calls = new ArrayList<>();
        Optional<DrainRefusal> answer = Optional.empty();
        RuntimeException failure;
        private NodeState state = NodeState.READY;

        @Override
        public String self() {
            return "node-a";
        }

        @Override
        public List<NodeView> nodes() {
            return List.of();
        }

        @Override
        public List<NodeView> lastSeen() {
            return List.of();
        }

        @Override
        public boolean rebalancing() {
            return false;
        }

        @Override
        public void setState(NodeState newState) {
            calls.add("state " + newState);
            state = newState;
        }

        @Override
        public NodeState state() {
            return state;
        }

        @Override
        public Optional<DrainRefusal> tryDrain(int maxConcurrent, boolean force) {
            calls.add("tryDrain " + maxConcurrent + (force ? " forced" : ""));
            if (failure != null) {
                throw failure;
            }
            if (answer.isEmpty() || force) {
                state = NodeState.DRAINING;
                return Optional.empty();
            }
            return answer;
        }

        @Override
        public void addListener(NodeListener listener) {
        }
    }
}
