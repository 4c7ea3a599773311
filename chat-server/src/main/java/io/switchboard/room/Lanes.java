package io.switchboard.room;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.switchboard.config.NamedThreads;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The threads that own the rooms: each room belongs to one lane (by hash of its name), and all of
 * a room's state changes run on it one at a time in arrival order, so a room has one writer and no
 * lock. A lane's work runs on its own thread, or, for a publication of a small room received while
 * the lane is idle, on the broker's thread that received it. Nothing that runs on a lane waits: not on a socket
 * (deliveries are queued), not on Redis (reads are issued, and their answers come back to the lane
 * as work of their own).
 */
final class Lanes {

    private static final Logger log = LoggerFactory.getLogger(Lanes.class);

    private final Lane[] lanes;

    Lanes(int count, int capacity, MeterRegistry meters) {
        lanes = new Lane[count];
        for (int i = 0; i < count; i++) {
            lanes[i] = new Lane("room-lane-" + i, capacity, meters);
        }
    }

    Lane of(String room) {
        return lanes[Math.floorMod(room.hashCode(), lanes.length)];
    }

    void start() {
        for (Lane lane : lanes) {
            lane.start();
        }
    }

    /** Lets each lane finish what is queued (the leaves of closed connections), within {@code wait}. */
    void stop(Duration wait) {
        long deadline = System.nanoTime() + wait.toNanos();
        for (Lane lane : lanes) {
            lane.executor.shutdown();
        }
        try {
            for (Lane lane : lanes) {
                lane.executor.awaitTermination(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    void close() {
        for (Lane lane : lanes) {
            if (lane.executor != null) {
                lane.executor.shutdownNow();
            }
        }
    }

    /**
     * One thread and the rooms it owns. Work that may be refused (joins, publications, typing) is
     * bounded: at most {@code capacity} such tasks wait, and {@link #offer} answers false beyond that.
     * Work that must run (leaves, join completions, catch-ups, presence) is not refused; it is bounded
     * by the connections and joins themselves.
     *
     * <p>The lane keeps its own queue, and at most one thread runs its tasks at a time: its own thread,
     * woken to drain the queue, or a caller of {@link #offerInPlace} that found the lane idle and runs
     * its one short task where it is. Hand-written rather than an executor's queue because an executor
     * cannot tell whether its worker is between tasks: that is what lets a publication be delivered
     * on the thread that received it, without waking the lane's (a profile at 20,000 deliveries/s put
     * 5% of both nodes' CPU in that wake-up and the lane's park after it; docs/benchmarks.md).
     */
    static final class Lane {
        private final String name;
        private final int capacity;
        private final MeterRegistry meters;
        private final Map<String, Room> rooms = new HashMap<>();
        /** Rooms with a catch-up queued because a publication was refused; any thread adds, the lane removes. */
        final Set<String> behind = ConcurrentHashMap.newKeySet();
        private final AtomicInteger waiting = new AtomicInteger();
        private final Queue<Runnable> queue = new ConcurrentLinkedQueue<>();
        /** Whether a thread runs this lane's tasks now; taking it is what makes a room's state single-writer. */
        private final AtomicBoolean taken = new AtomicBoolean();
        private final Runnable drain = this::drain;
        private volatile ExecutorService executor;

        Lane(String name, int capacity, MeterRegistry meters) {
            this.name = name;
            this.capacity = capacity;
            this.meters = meters;
        }

        void start() {
            executor = NamedThreads.single(name, meters);
            Gauge.builder("switchboard.lane.queued", queue, Queue::size).tag("lane", name)
                    .description("room work waiting on the lane").register(meters);
        }

        /** Queues work that must run. */
        void run(Consumer<Map<String, Room>> task) {
            ExecutorService current = executor;
            if (current == null) {
                log.debug("Room lane {} not started; dropping a task", name);
                return;
            }
            queue.add(() -> runGuarded(task));
            if (taken.compareAndSet(false, true)) {
                wake(current);
            }
        }

        /** Queues work that may be refused; false (and nothing queued) when {@code capacity} such tasks wait. */
        boolean offer(Consumer<Map<String, Room>> task) {
            if (waiting.incrementAndGet() > capacity) {
                waiting.decrementAndGet();
                return false;
            }
            run(owned -> {
                waiting.decrementAndGet();
                task.accept(owned);
            });
            return true;
        }

        /**
         * Runs work that may be refused on the calling thread if the lane is idle (no thread on it,
         * nothing queued) and {@code brief} says the task is short, as the lane's rooms stand; else
         * queues it as {@link #offer} does. For a caller that holds no lock and may spend a short
         * task's time: the broker's I/O thread, with a publication to deliver.
         */
        boolean offerInPlace(Consumer<Map<String, Room>> task, Predicate<Map<String, Room>> brief) {
            ExecutorService current = executor;
            if (current != null && !current.isShutdown() && queue.isEmpty() && taken.compareAndSet(false, true)) {
                if (queue.isEmpty() && brief.test(rooms)) {
                    try {
                        runGuarded(task);
                    } finally {
                        release();
                    }
                    return true;
                }
                release(); // work came in meanwhile and goes first, or the task is long: the lane's thread takes it
            }
            return offer(task);
        }

        private void runGuarded(Consumer<Map<String, Room>> task) {
            try {
                task.accept(rooms);
            } catch (RuntimeException e) {
                log.error("Room task failed", e);
            }
        }

        /** On the lane's thread: everything queued, in order. */
        private void drain() {
            Runnable task;
            while ((task = queue.poll()) != null) {
                task.run();
            }
            release();
        }

        /** Leaves the lane; whatever was queued meanwhile wakes its thread. */
        private void release() {
            taken.set(false);
            if (!queue.isEmpty() && taken.compareAndSet(false, true)) {
                wake(executor);
            }
        }

        private void wake(ExecutorService current) {
            try {
                current.execute(drain);
            } catch (RejectedExecutionException e) {
                taken.set(false);
                log.debug("Room lane stopped; dropping its queued tasks");
            }
        }
    }
}
