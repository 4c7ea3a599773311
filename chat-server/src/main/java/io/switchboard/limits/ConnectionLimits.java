package io.switchboard.limits;

import java.util.concurrent.CompletableFuture;

/**
 * Connections counted per address or per user across the whole cluster, so one address or one
 * user cannot hold more than a limit however the load balancer spreads them.
 */
public interface ConnectionLimits {

    /**
     * Counts connection {@code id} under {@code key} unless {@code limit} connections are counted
     * there already; true if it was counted.
     */
    CompletableFuture<Boolean> acquire(String key, String id, int limit);

    /** Stops counting connection {@code id} under {@code key}; harmless if it was not counted. */
    void release(String key, String id);
}
