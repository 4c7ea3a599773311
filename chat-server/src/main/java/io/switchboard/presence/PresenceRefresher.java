package io.switchboard.presence;

import io.micrometer.core.instrument.MeterRegistry;
import io.switchboard.cluster.NodeListener;
import io.switchboard.config.LifecyclePhases;
import io.switchboard.config.NamedThreads;
import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

/**
 * Keeps this node's presence entries alive: every third of {@code switchboard.presence.ttl} (on
 * its thread, {@code presence-refresh}, which only issues the commands) it gives them a new expiry,
 * and when the registry finds this node's entry missing (Redis lost its data) it writes them again.
 */
final class PresenceRefresher implements NodeListener, SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(PresenceRefresher.class);

    private final RedisPresence store;
    private final Duration ttl;
    private final MeterRegistry meters;
    private volatile ScheduledExecutorService timer;

    PresenceRefresher(RedisPresence store, Duration ttl, MeterRegistry meters) {
        this.store = store;
        this.ttl = ttl;
        this.meters = meters;
    }

    @Override
    public void registered() {
        store.rewrite().whenComplete(ifFailed("Writing this node's presence again"));
    }

    private void refresh() {
        store.refresh().whenComplete(ifFailed("Refreshing this node's presence"));
    }

    private static BiConsumer<Object, Throwable> ifFailed(String what) {
        return (done, error) -> {
            if (error != null) {
                log.debug("{} failed: {}", what, error.toString());
            }
        };
    }

    @Override
    public void start() {
        ScheduledExecutorService started = NamedThreads.scheduled("presence-refresh", meters);
        long every = Math.max(1, ttl.toMillis() / 3);
        started.scheduleWithFixedDelay(this::refresh, every, every, TimeUnit.MILLISECONDS);
        timer = started;
    }

    @Override
    public void stop() {
        ScheduledExecutorService stopping = timer;
        timer = null;
        if (stopping != null) {
            stopping.shutdownNow();
        }
    }

    @Override
    public boolean isRunning() {
        return timer != null;
    }

    @Override
    public int getPhase() {
        return LifecyclePhases.PRESENCE;
    }
}
