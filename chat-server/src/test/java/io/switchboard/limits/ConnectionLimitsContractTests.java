package io.switchboard.limits;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.support.Unique;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The {@link ConnectionLimits} guarantees, run over every implementation: a connection is counted
 * under a key only while fewer than the limit are, once however often it asks, until it is
 * released; keys count apart; a release of what was never counted changes nothing; a release
 * undoes an acquire made before it, answered or not.
 */
abstract class ConnectionLimitsContractTests {

    protected ConnectionLimits limits;
    /** A key of this test's own, so that no test sees another's counts. */
    private String key;

    /** A fresh implementation; what it counts must not leak between tests. */
    protected abstract ConnectionLimits createLimits();

    @BeforeEach
    void setUpLimits() {
        limits = createLimits();
        key = Unique.name("user");
    }

    @Test
    void countsConnectionsUnderTheLimit() {
        assertThat(acquire(key, "c1", 3)).isTrue();
        assertThat(acquire(key, "c2", 3)).isTrue();
        assertThat(acquire(key, "c3", 3)).isTrue();
    }

    @Test
    void refusesAConnectionAtTheLimit() {
        acquire(key, "c1", 2);
        acquire(key, "c2", 2);

        assertThat(acquire(key, "c3", 2)).isFalse();
        assertThat(acquire(key, "c4", 2)).as("a refused one was not counted either").isFalse();
    }

    @Test
    void countsTheSameConnectionOnce() {
        assertThat(acquire(key, "c1", 2)).isTrue();
        assertThat(acquire(key, "c1", 2)).isTrue();
        assertThat(acquire(key, "c2", 2)).as("c1 took one place, not two").isTrue();
        assertThat(acquire(key, "c1", 2)).as("at the limit, one already counted still is").isTrue();
        assertThat(acquire(key, "c3", 2)).isFalse();
    }

    @Test
    void aReleaseMakesRoom() {
        acquire(key, "c1", 2);
        acquire(key, "c2", 2);
        assertThat(acquire(key, "c3", 2)).isFalse();

        limits.release(key, "c1");
        assertThat(acquire(key, "c3", 2)).isTrue();
        assertThat(acquire(key, "c1", 2)).as("released, so counted anew: and there is no room").isFalse();
    }

    @Test
    void aReleaseOfWhatWasNeverCountedChangesNothing() {
        acquire(key, "c1", 2);
        acquire(key, "c2", 2);

        limits.release(key, "stranger");
        limits.release("ip:" + key, "c1"); // counted, but under another key
        limits.release("user:nobody-" + key, "c9"); // a key nobody was ever counted under

        assertThat(acquire(key, "c3", 2)).isFalse();
        limits.release(key, "c2");
        assertThat(acquire(key, "c3", 2)).isTrue();
    }

    @Test
    void keysCountApart() {
        String other = "ip:" + key;
        acquire(key, "c1", 1);

        assertThat(acquire(other, "c2", 1)).as("another key with room").isTrue();
        assertThat(acquire(key, "c2", 1)).as("full whatever the other key holds").isFalse();
        assertThat(acquire(other, "c1", 1)).as("one connection counted under two keys, once in each").isFalse();

        limits.release(other, "c2");
        assertThat(acquire(key, "c3", 1)).as("a release under one key makes no room under another").isFalse();
        assertThat(acquire(other, "c1", 1)).isTrue();
    }

    @Test
    void aReleaseUndoesAnAcquireMadeBeforeItEvenOneNobodyWaitedFor() {
        limits.acquire(key, "c1", 1); // its answer timed out: the caller releases it without waiting
        limits.release(key, "c1");

        assertThat(acquire(key, "c2", 1)).isTrue();
    }

    @Test
    void manyConnectionsAtOnceNeverPassTheLimit() throws Exception {
        int tries = 40;
        int limit = 7;
        CountDownLatch go = new CountDownLatch(1);
        List<CompletableFuture<Boolean>> answers = new ArrayList<>();
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < tries; i++) {
            String id = "c" + i;
            CompletableFuture<Boolean> answer = new CompletableFuture<>();
            answers.add(answer);
            threads.add(Thread.ofPlatform().start(() -> {
                try {
                    go.await();
                    limits.acquire(key, id, limit).whenComplete((taken, error) -> {
                        if (error != null) {
                            answer.completeExceptionally(error);
                        } else {
                            answer.complete(taken);
                        }
                    });
                } catch (InterruptedException e) {
                    answer.completeExceptionally(e);
                }
            }));
        }
        go.countDown();
        for (Thread thread : threads) {
            thread.join();
        }

        long counted = answers.stream().filter(answer -> get(answer)).count();
        assertThat(counted).isEqualTo(limit);
        assertThat(acquire(key, "late", limit)).isFalse();
    }

    private boolean acquire(String key, String id, int limit) {
        return get(limits.acquire(key, id, limit));
    }

    private static <T> T get(CompletableFuture<T> future) {
        try {
            return future.get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
