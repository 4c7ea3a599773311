package io.switchboard.room;

import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * Bounds the joins whose Redis reads are in flight at once. A burst of joins (a drain or a
 * rebalance lands thousands on a node) would otherwise pipeline all their reads at the same moment,
 * and the last ones would wait in Redis's and Lettuce's queues past the command timeout and fail
 * with {@code broker_unavailable}. Joins beyond the bound wait here, in arrival order, off the
 * lanes, and start as earlier ones are answered.
 */
final class JoinGate {

    private final int maxInFlight;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final Queue<Runnable> waiting = new ConcurrentLinkedQueue<>();

    JoinGate(int maxInFlight) {
        this.maxInFlight = maxInFlight;
    }

    /** Starts {@code reads} now if fewer than the bound are in flight, else when one ends. */
    <T> CompletableFuture<T> submit(Supplier<CompletableFuture<T>> reads) {
        CompletableFuture<T> result = new CompletableFuture<>();
        waiting.add(() -> start(reads).whenComplete((value, error) -> {
            inFlight.decrementAndGet();
            startWaiting();
            if (error != null) {
                result.completeExceptionally(error);
            } else {
                result.complete(value);
            }
        }));
        startWaiting();
        return result;
    }

    private static <T> CompletableFuture<T> start(Supplier<CompletableFuture<T>> reads) {
        try {
            return reads.get();
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    private void startWaiting() {
        while (true) {
            int now = inFlight.get();
            if (now >= maxInFlight || waiting.isEmpty()) {
                return;
            }
            if (inFlight.compareAndSet(now, now + 1)) {
                Runnable next = waiting.poll();
                if (next == null) {
                    inFlight.decrementAndGet();
                    continue;
                }
                next.run();
            }
        }
    }
}
