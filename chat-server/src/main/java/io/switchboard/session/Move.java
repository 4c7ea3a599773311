package io.switchboard.session;

import io.micrometer.core.instrument.Counter;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * One paced move of connections to other nodes (a drain, or a rebalance's share). Every tick it
 * moves as many connections as the pace allows by then: at most {@code perSecond x elapsed} in
 * total, never more than the plan's limit. With {@link MovePlan#ALL} it goes on until this node has
 * no connection left, so one that opened during the move goes too; it is then {@linkplain #done()
 * done} once every moved connection is closed.
 */
public final class Move {

    /** How often the pace is applied; short enough that a rate of thousands per second stays smooth. */
    private static final Duration TICK = Duration.ofMillis(50);

    private final Pool connections;
    private final MovePlan plan;
    private final Counter counter;
    private final ScheduledExecutorService scheduler;
    /** Where the pace is measured from: {@code System::nanoTime}, or a test's clock. */
    private final LongSupplier clock;
    private final CompletableFuture<Void> done = new CompletableFuture<>();
    private final Instant startedAt = Instant.now();
    private volatile int target;
    private volatile int moved;
    private volatile double perSecond;
    private long startNanos;
    private ScheduledFuture<?> ticks;

    Move(Pool connections, MovePlan plan, Counter counter, ScheduledExecutorService scheduler, LongSupplier clock) {
        this.connections = connections;
        this.plan = plan;
        this.counter = counter;
        this.scheduler = scheduler;
        this.clock = clock;
    }

    /** The connections a move takes from: this node's ({@link Connections}), or a test's fake. */
    interface Pool {

        /** Connections open now, those told to move and not closed yet included. */
        int count();

        /** The open connections. */
        Iterable<Connection> all();

        /**
         * Tells {@code connection} to reconnect to another node after a random delay up to {@code
         * jitterMs}, then closes it; false if it was told already.
         */
        boolean moveAway(Connection connection, String reason, long jitterMs);
    }

    synchronized void start() {
        int open = connections.count();
        target = plan.limit() == MovePlan.ALL ? open : Math.min(plan.limit(), open);
        perSecond = plan.perSecond(target);
        startNanos = clock.getAsLong();
        ticks = scheduler.scheduleAtFixedRate(this::tick, 0, TICK.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Stops moving; connections already told to move still go. */
    public synchronized void cancel() {
        if (ticks != null) {
            ticks.cancel(false);
        }
        done.cancel(false);
    }

    /** Completes when the plan is carried out (with {@code ALL}: when no connection is left). */
    public CompletableFuture<Void> done() {
        return done;
    }

    public int moved() {
        return moved;
    }

    /** When the pace lets the last connection go. */
    public Instant expectedEnd() {
        double seconds = perSecond == Double.POSITIVE_INFINITY || target == 0 ? 0 : target / perSecond;
        return startedAt.plusMillis((long) (seconds * 1000));
    }

    private synchronized void tick() {
        if (done.isDone()) {
            return;
        }
        try {
            boolean all = plan.limit() == MovePlan.ALL;
            double elapsed = (clock.getAsLong() - startNanos) / 1e9;
            long allowed = perSecond == Double.POSITIVE_INFINITY ? Long.MAX_VALUE : (long) Math.ceil(perSecond * elapsed);
            if (all && allowed >= target) {
                allowed = Long.MAX_VALUE; // the pace has run out: whatever is left (late arrivals too) goes now
            } else if (!all) {
                allowed = Math.min(allowed, target);
            }
            long jitter = plan.jitter().toMillis();
            for (Connection connection : connections.all()) {
                if (moved >= allowed) {
                    break;
                }
                if (connections.moveAway(connection, plan.reason(), jitter)) {
                    moved++;
                    counter.increment();
                }
            }
            boolean finished = all ? connections.count() == 0 : moved >= target || !anyLeft();
            if (finished) {
                ticks.cancel(false);
                done.complete(null);
            }
        } catch (RuntimeException e) {
            ticks.cancel(false);
            done.completeExceptionally(e);
        }
    }

    private boolean anyLeft() {
        for (Connection connection : connections.all()) {
            if (!connection.isMoving()) {
                return true;
            }
        }
        return false;
    }
}
