package io.switchboard.support;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.Callable;
import java.util.concurrent.Delayed;
import java.util.concurrent.Executors;
import java.util.concurrent.FutureTask;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * A {@link ScheduledExecutorService} on a clock of the test's: nothing runs until the test
 * {@linkplain #advance advances} the clock, and then every task that falls due runs on the test's
 * own thread, in time order, a periodic one at each of its periods; tasks scheduled meanwhile run
 * too once due. Give the code under test {@link #nanoTime} as its clock, and paced work is checked
 * step by step instead of timed.
 */
public final class ManualScheduler extends AbstractExecutorService implements ScheduledExecutorService {

    private final PriorityQueue<Task<?>> queue = new PriorityQueue<>();
    private long now;
    private long sequence;
    private boolean shutdown;

    /** The clock, in nanoseconds (starts at 0); a {@code LongSupplier} for {@code System::nanoTime}. */
    public synchronized long nanoTime() {
        return now;
    }

    /** Moves the clock on by {@code time}, running what falls due on the way. */
    public void advance(Duration time) {
        long until;
        synchronized (this) {
            until = now + time.toNanos();
        }
        while (true) {
            Task<?> next;
            synchronized (this) {
                next = queue.peek();
                if (next == null || next.time > until) {
                    now = until;
                    return;
                }
                queue.poll();
                now = Math.max(now, next.time);
            }
            next.runOnce();
        }
    }

    /** Runs what is due now without moving the clock. */
    public void runDue() {
        advance(Duration.ZERO);
    }

    /** Tasks waiting to run (cancelled ones left out). */
    public synchronized int pending() {
        return (int) queue.stream().filter(task -> !task.isCancelled()).count();
    }

    @Override
    public ScheduledFuture<?> schedule(Runnable command, long delay, TimeUnit unit) {
        return enqueue(new Task<>(Executors.callable(command), unit.toNanos(delay), 0));
    }

    @Override
    public <V> ScheduledFuture<V> schedule(Callable<V> callable, long delay, TimeUnit unit) {
        return enqueue(new Task<>(callable, unit.toNanos(delay), 0));
    }

    @Override
    public ScheduledFuture<?> scheduleAtFixedRate(Runnable command, long initialDelay, long period, TimeUnit unit) {
        return enqueue(new Task<>(Executors.callable(command), unit.toNanos(initialDelay), positive(unit.toNanos(period))));
    }

    @Override
    public ScheduledFuture<?> scheduleWithFixedDelay(Runnable command, long initialDelay, long delay, TimeUnit unit) {
        // the task takes no time on this clock: a fixed delay is a fixed rate
        return scheduleAtFixedRate(command, initialDelay, delay, unit);
    }

    @Override
    public void execute(Runnable command) {
        schedule(command, 0, TimeUnit.NANOSECONDS);
    }

    @Override
    public synchronized void shutdown() {
        shutdown = true;
    }

    @Override
    public synchronized List<Runnable> shutdownNow() {
        shutdown = true;
        List<Runnable> left = new ArrayList<>(queue);
        queue.clear();
        return left;
    }

    @Override
    public synchronized boolean isShutdown() {
        return shutdown;
    }

    @Override
    public synchronized boolean isTerminated() {
        return shutdown;
    }

    @Override
    public boolean awaitTermination(long timeout, TimeUnit unit) {
        return isTerminated();
    }

    private static long positive(long period) {
        if (period <= 0) {
            throw new IllegalArgumentException("period must be positive");
        }
        return period;
    }

    private synchronized <V> Task<V> enqueue(Task<V> task) {
        if (shutdown) {
            throw new RejectedExecutionException("shut down");
        }
        task.time = now + Math.max(0, task.time);
        task.order = sequence++;
        queue.add(task);
        return task;
    }

    private synchronized void requeue(Task<?> task) {
        task.time += task.period;
        task.order = sequence++;
        queue.add(task);
    }

    private final class Task<V> extends FutureTask<V> implements ScheduledFuture<V> {
        /** Nanoseconds between runs; 0 runs once. */
        private final long period;
        /** When it runs next: first the delay, then (once queued) the clock's time. */
        private long time;
        private long order;

        Task(Callable<V> callable, long delay, long period) {
            super(callable);
            this.time = delay;
            this.period = period;
        }

        void runOnce() {
            if (period == 0) {
                run();
            } else if (runAndReset()) {
                requeue(this);
            }
        }

        @Override
        public long getDelay(TimeUnit unit) {
            return unit.convert(time - nanoTime(), TimeUnit.NANOSECONDS);
        }

        @Override
        public int compareTo(Delayed other) {
            Task<?> that = (Task<?>) other;
            int byTime = Long.compare(time, that.time);
            return byTime != 0 ? byTime : Long.compare(order, that.order);
        }
    }
}
