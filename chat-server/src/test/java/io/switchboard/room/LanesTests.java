package io.switchboard.room;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class LanesTests {

    private final Lanes lanes = new Lanes(1, 1_000_000, new SimpleMeterRegistry());
    private final Lanes.Lane lane = lanes.of("r");

    LanesTests() {
        lanes.start();
    }

    @AfterEach
    void close() {
        lanes.close();
    }

    @Test
    void anIdleLaneRunsWorkOfferedInPlaceOnTheCallersThread() {
        List<Thread> ranOn = new ArrayList<>();
        assertThat(lane.offerInPlace(rooms -> ranOn.add(Thread.currentThread()), rooms -> true)).isTrue();
        assertThat(ranOn).containsExactly(Thread.currentThread());
    }

    @Test
    void workThatIsNotBriefRunsOnTheLanesThreadEvenWhenTheLaneIsIdle() {
        List<Thread> ranOn = Collections.synchronizedList(new ArrayList<>());
        assertThat(lane.offerInPlace(rooms -> ranOn.add(Thread.currentThread()), rooms -> false)).isTrue();
        await().atMost(Duration.ofSeconds(10)).until(() -> ranOn.size() == 1);
        assertThat(ranOn.getFirst()).isNotEqualTo(Thread.currentThread());
    }

    @Test
    void workOfferedInPlaceWhileTheLaneIsBusyWaitsItsTurnOnTheLanesThread() throws InterruptedException {
        CountDownLatch release = new CountDownLatch(1);
        List<String> order = Collections.synchronizedList(new ArrayList<>());
        List<Thread> ranOn = Collections.synchronizedList(new ArrayList<>());
        lane.run(rooms -> {
            waitFor(release);
            order.add("first");
        });
        lane.run(rooms -> order.add("second"));
        assertThat(lane.offerInPlace(rooms -> {
            order.add("third");
            ranOn.add(Thread.currentThread());
        }, rooms -> true)).isTrue();
        assertThat(order).as("nothing ran on the caller's thread while the lane was busy").isEmpty();

        release.countDown();
        await().atMost(Duration.ofSeconds(10)).until(() -> order.size() == 3);
        assertThat(order).containsExactly("first", "second", "third");
        assertThat(ranOn).singleElement().isNotEqualTo(Thread.currentThread());
    }

    /** The lane's promise: one writer at a time, whichever thread it is, and every task run once. */
    @Test
    void tasksRunInPlaceAndQueuedNeverOverlap() throws InterruptedException {
        AtomicInteger inside = new AtomicInteger();
        AtomicInteger overlaps = new AtomicInteger();
        AtomicInteger ran = new AtomicInteger();
        int[] unguarded = new int[1]; // a room's state as the lane owns it: no lock, no volatile
        ExecutorService callers = Executors.newFixedThreadPool(4);
        int perCaller = 20_000;
        for (int c = 0; c < 4; c++) {
            boolean inPlace = c % 2 == 0;
            callers.execute(() -> {
                for (int i = 0; i < perCaller; i++) {
                    Consumer<Map<String, Room>> task = rooms -> {
                        if (inside.incrementAndGet() > 1) {
                            overlaps.incrementAndGet();
                        }
                        unguarded[0]++;
                        ran.incrementAndGet();
                        inside.decrementAndGet();
                    };
                    if (inPlace) {
                        lane.offerInPlace(task, rooms -> true);
                    } else {
                        lane.run(task);
                    }
                }
            });
        }
        callers.shutdown();
        assertThat(callers.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
        await().atMost(Duration.ofSeconds(30)).until(() -> ran.get() == 4 * perCaller);
        assertThat(overlaps.get()).isZero();
        CountDownLatch read = new CountDownLatch(1); // read on the lane: what every task wrote is visible there
        int[] seen = new int[1];
        lane.run(rooms -> {
            seen[0] = unguarded[0];
            read.countDown();
        });
        assertThat(read.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(seen[0]).isEqualTo(4 * perCaller);
    }

    private static void waitFor(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
