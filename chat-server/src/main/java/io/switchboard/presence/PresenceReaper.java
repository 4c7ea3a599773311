package io.switchboard.presence;

import io.switchboard.cluster.NodeListener;
import io.switchboard.config.LifecyclePhases;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

/**
 * Removes the members of a node that is gone, and tells their rooms as the node itself would have
 * ({@link Announcer}). The registry's heartbeat finds a node dead and tells exactly one node, whose
 * reaper removes its members at once; a node that stops cleanly removes whatever is left of its
 * own (normally nothing: each closed connection left its rooms), waiting at most
 * {@link #STOP_WAIT} on its stopping thread. Entries nobody removes expire anyway (see
 * {@link RedisPresence}).
 */
final class PresenceReaper implements NodeListener, SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(PresenceReaper.class);
    /** How long a stopping node waits for its own leftovers to be removed. */
    static final Duration STOP_WAIT = Duration.ofSeconds(5);

    private final RedisPresence store;
    private final Departures departures;
    private final String self;
    private volatile boolean running;

    PresenceReaper(RedisPresence store, Departures departures, String self) {
        this.store = store;
        this.departures = departures;
        this.self = self;
    }

    /** Another node died, and this node is the one that cleans up after it. Issues the removal and returns. */
    @Override
    public void nodeDied(String node) {
        reap(node).whenComplete((done, error) -> {
            if (error != null) {
                log.warn("Could not remove the presence of dead node {} ({}); its entries expire by themselves",
                        node, error.toString());
            }
        });
    }

    private CompletableFuture<Void> reap(String node) {
        return store.reap(node).thenAccept(left -> left.forEach(departure ->
                departures.left(departure.room(), departure.members(), departure.remaining())));
    }

    @Override
    public void start() {
        running = true;
    }

    /** On a clean stop, after the rooms have finished: removes what is left of this node's members. */
    @Override
    public void stop() {
        running = false;
        try {
            reap(self).get(STOP_WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            log.warn("Could not remove this node's presence on shutdown ({}); the entries expire by themselves",
                    e.toString());
        }
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    @Override
    public int getPhase() {
        return LifecyclePhases.PRESENCE;
    }
}
