package io.switchboard.room;

import io.micrometer.core.instrument.MeterRegistry;
import io.switchboard.config.NamedThreads;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The threads that own the rooms: each room belongs to one single-threaded lane (by hash of its
 * name), and all of a room's state changes run there in arrival order, so a room has one writer and
 * no lock. Nothing that runs on a lane waits: not on a socket (deliveries are queued), not on Redis
 * (reads are issued, and their answers come back to the lane as work of their own).
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
     */
    static final class Lane {
        private final String name;
        private final int capacity;
        private final MeterRegistry meters;
        private final Map<String, Room> rooms = new HashMap<>();
        /** Rooms with a catch-up queued because a publication was refused; any thread adds, the lane removes. */
        final Set<String> behind = ConcurrentHashMap.newKeySet();
        private final AtomicInteger waiting = new AtomicInteger();
        private volatile ExecutorService executor;

        Lane(String name, int capacity, MeterRegistry meters) {
            this.name = name;
            this.capacity = capacity;
            this.meters = meters;
        }

        void start() {
            executor = NamedThreads.single(name, meters);
        }

        /** Queues work that must run. */
        void run(Consumer<Map<String, Room>> task) {
            ExecutorService current = executor;
            if (current == null) {
                log.debug("Room lane {} not started; dropping a task", name);
                return;
            }
            try {
                current.execute(() -> {
                    try {
                        task.accept(rooms);
                    } catch (RuntimeException e) {
                        log.error("Room task failed", e);
                    }
                });
            } catch (RejectedExecutionException e) {
                log.debug("Room lane stopped; dropping a task");
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
    }
}
