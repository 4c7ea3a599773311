package io.switchboard.drain;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.switchboard.cluster.NodeRegistry;
import io.switchboard.cluster.NodeRegistry.DrainRefusal;
import io.switchboard.cluster.NodeState;
import io.switchboard.config.SwitchboardProperties;
import io.switchboard.session.Connections;
import io.switchboard.session.Move;
import io.switchboard.session.MovePlan;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.availability.AvailabilityChangeEvent;
import org.springframework.boot.availability.ReadinessState;
import org.springframework.context.ApplicationEventPublisher;

/**
 * Drains this node: at once readiness goes to {@code REFUSING_TRAFFIC} (new handshakes get 503),
 * then, after {@code switchboard.drain.health-check-wait} for the load balancer to notice, every
 * session is told {@code reconnect} with a jittered delay and closed with 1012, paced over the
 * window (or at the given rate). Clients resume on the other nodes with {@code since}, so nothing is
 * lost. The drain ends {@code drained} when no session is left; the node then stays out of traffic
 * until the drain is cancelled or the node stops.
 *
 * <p>Requested drains are coordinated through the {@link NodeRegistry}: one that would have more
 * than {@code switchboard.drain.max-concurrent} nodes draining, or leave no node ready, is refused
 * unless forced. A shutdown cannot be refused: it waits for the other nodes' drains (within
 * {@code switchboard.drain.shutdown-timeout}) and then drains.
 */
final class DrainCoordinator implements CutOffWatch.Actions {

    private static final Logger log = LoggerFactory.getLogger(DrainCoordinator.class);
    /** The {@code reconnect} reason of a client moved because its node lost Redis while others have it. */
    static final String CUT_OFF = MovePlan.REDIS_UNREACHABLE;
    /** How often a shutdown looks again whether another node's drain has ended. */
    private static final Duration SHUTDOWN_RETRY = Duration.ofMillis(250);

    private final NodeRegistry registry;
    private final Connections connections;
    private final ApplicationEventPublisher events;
    private final ScheduledExecutorService scheduler;
    private final SwitchboardProperties.Drain settings;
    private DrainState state = DrainState.IDLE;
    private String reason;
    private Instant startedAt;
    private Duration window;
    private Double rate;
    private Duration healthWait = Duration.ZERO;
    private ScheduledFuture<?> pending;
    private Move move;
    /** The node cannot reach its broker: it refuses new connections whatever the drain does. */
    private boolean brokerLost;
    /** The clients being moved away because the node is cut off from Redis while others are not. */
    private Move cutOffMove;

    DrainCoordinator(NodeRegistry registry, Connections connections, ApplicationEventPublisher events,
                     ScheduledExecutorService scheduler, SwitchboardProperties.Drain settings, MeterRegistry meters) {
        this.registry = registry;
        this.connections = connections;
        this.events = events;
        this.scheduler = scheduler;
        this.settings = settings;
        Gauge.builder("switchboard.drain.state", this, c -> c.currentState().ordinal())
                .description("0 idle, 1 draining, 2 drained").register(meters);
    }

    /**
     * Starts a drain, or answers the one running.
     *
     * @return the refusal when the cluster's rules forbid it now and {@code force} is false
     */
    synchronized Optional<DrainRefusal> start(Duration window, Double rate, boolean force) {
        if (state != DrainState.IDLE) {
            return Optional.empty();
        }
        Optional<DrainRefusal> refusal;
        try {
            refusal = registry.tryDrain(settings.maxConcurrent(), force);
        } catch (RuntimeException e) {
            refusal = force ? Optional.empty() : Optional.of(new DrainRefusal(false,
                    "cannot reach the cluster registry to coordinate (" + e.getMessage() + "); force to drain anyway"));
        }
        if (refusal.isEmpty()) {
            begin(MovePlan.DRAIN, window == null ? settings.window() : window, rate != null ? rate : configuredRate(),
                    settings.healthCheckWait());
        }
        return refusal;
    }

    /**
     * Cancels the drain: the node is ready and takes traffic again. Sessions already told to move
     * still go. A shutdown's drain cannot be cancelled: the node is stopping.
     */
    synchronized void cancel() {
        if (state == DrainState.IDLE || MovePlan.SHUTDOWN.equals(reason)) {
            return;
        }
        if (pending != null) {
            pending.cancel(false);
        }
        if (move != null) {
            move.cancel();
        }
        state = DrainState.IDLE;
        reason = null;
        startedAt = null;
        window = null;
        rate = null;
        move = null;
        pending = null;
        registry.setState(NodeState.READY);
        if (!brokerLost) {
            AvailabilityChangeEvent.publish(events, this, ReadinessState.ACCEPTING_TRAFFIC);
        }
        log.info("Drain cancelled; accepting connections again{}", brokerLost ? " once Redis is back" : "");
    }

    /**
     * The node lost its broker (true) or has it again (false). Readiness follows, so a load
     * balancer sends nobody to a node that cannot serve them; a drain keeps it refusing either way.
     * Once back, clients still being moved for the cut-off stay.
     */
    @Override
    public synchronized void brokerLost(boolean lost) {
        if (brokerLost == lost) {
            return;
        }
        brokerLost = lost;
        if (!lost && cutOffMove != null) {
            cutOffMove.cancel();
            cutOffMove = null;
        }
        if (state == DrainState.IDLE) {
            AvailabilityChangeEvent.publish(events, this,
                    lost ? ReadinessState.REFUSING_TRAFFIC : ReadinessState.ACCEPTING_TRAFFIC);
        }
        log.info(lost ? "Redis cannot be reached: refusing new connections" : "Redis is back: accepting connections");
    }

    /**
     * The node is cut off from Redis while other nodes reach it: its clients are moved to them, the
     * drain way ({@code reconnect {reason: "redis_unreachable"}}, 1012, paced over the drain's window),
     * with no coordination (the registry is in Redis). Nothing happens while a drain moves them already.
     */
    @Override
    public synchronized void moveAwayCutOff() {
        if (!brokerLost || cutOffMove != null || state != DrainState.IDLE) {
            return;
        }
        log.warn("This node cannot reach Redis but other nodes can: moving its {} clients to them", connections.count());
        cutOffMove = connections.moveAway(new MovePlan(CUT_OFF, MovePlan.ALL, settings.window(),
                settings.rate(), settings.reconnectJitter()));
    }

    synchronized DrainStatus status() {
        if (state == DrainState.IDLE) {
            return DrainStatus.idle(registry.self());
        }
        Instant expectedEnd = move != null ? move.expectedEnd()
                : startedAt.plus(healthWait).plus(rate != null
                        ? Duration.ofMillis((long) (connections.count() / rate * 1000)) : window);
        return new DrainStatus(registry.self(), state.wire(), reason, connections.count(),
                move == null ? 0 : move.moved(), startedAt, expectedEnd, rate == null ? window : null, rate);
    }

    synchronized DrainState currentState() {
        return state;
    }

    /**
     * The drain a shutdown runs before the web server stops, within {@code shutdown-timeout}: waits
     * while other nodes drain (so two nodes stopped together do not both empty onto a third), then
     * drains, fitting the window into the time left. Returns when no session is left or time is up.
     */
    void drainForShutdown() {
        long deadline = System.nanoTime() + settings.shutdownTimeout().toNanos();
        Duration window = settings.window();
        synchronized (this) {
            if (state == DrainState.IDLE) {
                long stopWaiting = deadline - settings.healthCheckWait().plus(window).toNanos();
                Optional<DrainRefusal> refusal;
                while ((refusal = tryDrainForShutdown()).isPresent()) {
                    if (!refusal.get().othersDraining()) {
                        break; // no other node is ready: nothing to wait for
                    }
                    if (System.nanoTime() > stopWaiting) {
                        log.warn("Shutdown: another node still drains, but this one must start now to finish within {}",
                                settings.shutdownTimeout());
                        break;
                    }
                    log.info("Shutdown waits before draining: {}", refusal.get().reason());
                    try {
                        wait(SHUTDOWN_RETRY.toMillis());
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                }
                // the health-check wait and the window, shortened to fit in the time left; with no
                // session there is nobody to move and nothing to wait for
                long left = Math.max(0, deadline - System.nanoTime());
                long healthWait = connections.count() == 0 ? 0
                        : Math.min(settings.healthCheckWait().toNanos(), Math.max(0, left - window.toNanos()));
                begin(MovePlan.SHUTDOWN, Duration.ofNanos(Math.min(window.toNanos(), left - healthWait)), configuredRate(),
                        Duration.ofNanos(healthWait));
            } else if (state == DrainState.DRAINING && move == null) {
                // a requested drain still waiting for the load balancer: the node is stopping, move now
                pending.cancel(false);
                moveAll();
            }
        }
        awaitDrained(deadline);
    }

    /** {@code switchboard.drain.rate}, or null when the window sets the pace. */
    private Double configuredRate() {
        return settings.rate() > 0 ? settings.rate() : null;
    }

    /** A shutdown drains even when Redis cannot be reached: then it has nobody to coordinate with. */
    private Optional<DrainRefusal> tryDrainForShutdown() {
        try {
            return registry.tryDrain(settings.maxConcurrent(), false);
        } catch (RuntimeException e) {
            log.warn("Shutdown: cannot coordinate the drain ({}); draining now", e.getMessage());
            return Optional.empty();
        }
    }

    private void awaitDrained(long deadline) {
        while (System.nanoTime() < deadline) {
            Move current;
            synchronized (this) {
                if (state == DrainState.DRAINED || state == DrainState.IDLE) {
                    return;
                }
                current = move;
            }
            try {
                if (current == null) {
                    Thread.sleep(SHUTDOWN_RETRY.toMillis());
                } else {
                    current.done().get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (TimeoutException | ExecutionException | java.util.concurrent.CancellationException e) {
                log.debug("Shutdown drain did not complete: {}", e.toString());
            }
        }
        log.warn("Shutdown drain timed out after {} with {} sessions left", settings.shutdownTimeout(),
                connections.count());
    }

    private void begin(String why, Duration window, Double rate, Duration healthCheckWait) {
        this.healthWait = healthCheckWait;
        state = DrainState.DRAINING;
        reason = why;
        startedAt = Instant.now();
        this.window = window;
        this.rate = rate;
        registry.setState(NodeState.DRAINING);
        AvailabilityChangeEvent.publish(events, this, ReadinessState.REFUSING_TRAFFIC);
        log.info("Draining ({}): {} sessions over {}{}, after {} for the load balancer", why, connections.count(),
                window, rate == null ? "" : " at " + rate + "/s", healthCheckWait);
        pending = scheduler.schedule(this::moveAll, healthCheckWait.toMillis(), TimeUnit.MILLISECONDS);
    }

    private synchronized void moveAll() {
        if (state != DrainState.DRAINING || move != null) {
            return;
        }
        Move started = connections.moveAway(new MovePlan(reason, MovePlan.ALL, window, rate == null ? 0 : rate,
                settings.reconnectJitter()));
        move = started;
        started.done().thenRun(() -> drained(started));
    }

    private synchronized void drained(Move finished) {
        if (move != finished || state != DrainState.DRAINING) {
            return;
        }
        state = DrainState.DRAINED;
        registry.setState(NodeState.DRAINED);
        log.info("Drained: {} sessions moved since {}", finished.moved(), startedAt);
        notifyAll();
    }

    enum DrainState {
        IDLE, DRAINING, DRAINED;

        String wire() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }
}
