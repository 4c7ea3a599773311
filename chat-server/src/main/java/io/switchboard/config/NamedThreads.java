package io.switchboard.config;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.jvm.ExecutorServiceMetrics;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Every thread Switchboard starts is one of these: a single daemon thread with a name (the one
 * docs/architecture.md's thread table gives), or virtual threads named after their executor, the
 * executor exposed to Micrometer as
 * {@code executor*{name=<name>}} (queued, active and completed tasks; time in the queue and running,
 * except for the lanes of {@link #single}).
 * Built as pool executors, not through {@code Executors}, whose wrappers Micrometer cannot see into.
 */
public final class NamedThreads {

    private NamedThreads() {
    }

    /**
     * One thread running tasks in order, for a hot path (the room lanes, which keep their own queue
     * and give their thread a task to drain it when it is not running). Measured by its queue and
     * counts only ({@code executor_queued_tasks}, active, completed):
     * Micrometer's timers around every task (time queued, time running: two clock reads and two
     * timer updates each) were about 1% of a publishing node's CPU in a profile at 20,000
     * deliveries/s (docs/benchmarks.md).
     */
    public static ExecutorService single(String name, MeterRegistry meters) {
        ThreadPoolExecutor executor = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>(),
                Thread.ofPlatform().name(name).daemon().factory());
        new ExecutorServiceMetrics(executor, name, Tags.empty()).bindTo(meters);
        return executor;
    }

    /** One thread running tasks at their time; a cancelled task leaves the queue at once. */
    public static ScheduledExecutorService scheduled(String name, MeterRegistry meters) {
        ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(1,
                Thread.ofPlatform().name(name).daemon().factory());
        executor.setRemoveOnCancelPolicy(true);
        return ExecutorServiceMetrics.monitor(meters, executor, name);
    }

    /**
     * Virtual threads named {@code <name>-<n>}, as many as tasks wait, for work that waits on
     * something outside (an HTTP receiver, a bounded Redis read). A pool executor that makes virtual
     * threads (an idle one is kept a minute), not {@code Executors.newThreadPerTaskExecutor}, whose
     * thread count Micrometer cannot read without opening {@code java.util.concurrent} (it warns).
     */
    public static ExecutorService virtual(String name, MeterRegistry meters) {
        ThreadPoolExecutor executor = new ThreadPoolExecutor(0, Integer.MAX_VALUE, 60, TimeUnit.SECONDS,
                new SynchronousQueue<>(), Thread.ofVirtual().name(name + "-", 0).factory());
        return ExecutorServiceMetrics.monitor(meters, executor, name);
    }
}
