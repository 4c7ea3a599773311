package io.switchboard.redis;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The one way a thread waits for Redis, and only a management thread may: an actuator request (the
 * cluster view, a drain, a rebalance's status), the rebalancer's and the drain's own threads, a
 * stopping node. Everything else issues its commands and goes on (docs/architecture.md, "Threads").
 */
public final class RedisWait {

    /** How long a management operation waits for Redis before it fails. */
    public static final Duration TIMEOUT = Duration.ofSeconds(5);

    private RedisWait() {
    }

    /** The answer, waiting at most {@link #TIMEOUT}; fails with {@link IllegalStateException} when there is none. */
    public static <T> T await(CompletableFuture<T> future) {
        try {
            return future.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
        } catch (TimeoutException e) {
            future.cancel(false);
            throw new IllegalStateException("Redis did not answer within " + TIMEOUT.toSeconds() + "s", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted waiting for Redis", e);
        }
    }
}
