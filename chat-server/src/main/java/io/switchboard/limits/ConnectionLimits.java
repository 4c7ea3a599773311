package io.switchboard.limits;

import java.util.concurrent.CompletableFuture;

/**
 * Connections counted per address or per user across the whole cluster, so one address or one
 * user cannot hold more than a limit however the load balancer spreads them. Neither method blocks
 * nor throws: a count that cannot be made is a failed future.
 */
public interface ConnectionLimits {

    /**
     * Counts connection {@code id} under {@code key} unless {@code limit} connections are counted
     * there already; true if it was counted.
     */
    CompletableFuture<Boolean> acquire(String key, String id, int limit);

    /**
     * Stops counting connection {@code id} under {@code key}; harmless if it was not counted. Takes
     * effect after any {@link #acquire} of the same connection made before it, even one whose
     * answer the caller stopped waiting for: so a count that timed out is undone by releasing it.
     */
    void release(String key, String id);
}
