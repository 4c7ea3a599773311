package io.switchboard.broker;

import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.SlotHash;
import io.lettuce.core.cluster.event.ClusterTopologyChangedEvent;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import io.lettuce.core.cluster.pubsub.StatefulRedisClusterPubSubConnection;
import io.micrometer.core.instrument.MeterRegistry;
import io.switchboard.config.NamedThreads;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;

/**
 * Shard channels on a Redis Cluster, each subscribed ({@code SSUBSCRIBE}) on the primary that owns
 * its slot now, and moved when that changes. Written here because Lettuce 6.8's cluster pub/sub
 * connection sends {@code SSUBSCRIBE} to one node and does not follow a slot's owner (lettuce
 * issues #1984, #2940).
 *
 * <p>An owner changes when a primary fails or when a slot moves (the server then ends the
 * subscription with {@code sunsubscribe}). Owners are checked against Lettuce's view of the topology
 * on each topology change it reports and once a second besides (its change event does not cover
 * every promotion; refreshing the view is Lettuce's, see
 * {@code spring.data.redis.lettuce.cluster.refresh.*}). A channel whose owner changed is subscribed
 * again on the new one, and the {@code ssubscribe} confirmation makes the node catch the room up
 * from its log, as after any reconnect.
 *
 * <p>Each channel has at most one command in flight: when it completes, the channel is brought to
 * what is wanted now. A room left while its subscription is on the way is therefore unsubscribed
 * once that arrives, and one joined again while its unsubscription is on the way is subscribed
 * after it, whichever threads ask.
 */
final class ShardedSubscriptions implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ShardedSubscriptions.class);

    /** How often every channel's owner is checked besides the topology changes the client reports. */
    static final Duration CHECK_EVERY = Duration.ofSeconds(1);

    private final RedisClusterClient client;
    private final StatefulRedisClusterPubSubConnection<String, String> pubSub;
    /** Every channel this node wants or is still subscribed to; guarded by {@code this}. */
    private final Map<String, Shard> shards = new HashMap<>();
    private final MeterRegistry meters;
    private Disposable topologyChanges;
    private ScheduledExecutorService checks;

    /** What one channel should be and is. */
    private static final class Shard {
        boolean wanted;
        /** The node it is subscribed on, or null. */
        String on;
        /** The node a command in flight is for; null when none is. */
        String busyOn;
        CompletableFuture<Void> subscribed = new CompletableFuture<>();
        CompletableFuture<Void> unsubscribed = new CompletableFuture<>();
    }

    ShardedSubscriptions(RedisClusterClient client, StatefulRedisClusterPubSubConnection<String, String> pubSub,
                         MeterRegistry meters) {
        this.client = client;
        this.pubSub = pubSub;
        this.meters = meters;
        pubSub.setNodeMessagePropagation(true); // messages of the per-node connections reach the listener
    }

    /** Follows the topology: at each change the client reports, and every {@link #CHECK_EVERY} in case one was missed. */
    void start() {
        topologyChanges = client.getResources().eventBus().get()
                .filter(ClusterTopologyChangedEvent.class::isInstance)
                .subscribe(event -> followAll());
        checks = NamedThreads.scheduled("shard-owners", meters);
        checks.scheduleWithFixedDelay(this::followAll, CHECK_EVERY.toMillis(), CHECK_EVERY.toMillis(),
                TimeUnit.MILLISECONDS);
    }

    private void followAll() {
        List<String> channels;
        synchronized (this) {
            channels = List.copyOf(shards.keySet());
        }
        channels.forEach(this::reconcile);
    }

    /** Completes once the channel is subscribed on its slot's owner. */
    CompletableFuture<Void> subscribe(String channel) {
        CompletableFuture<Void> subscribed;
        synchronized (this) {
            Shard shard = shards.computeIfAbsent(channel, c -> new Shard());
            shard.wanted = true;
            if (shard.subscribed.isDone()) {
                shard.subscribed = new CompletableFuture<>();
            }
            subscribed = shard.subscribed;
        }
        reconcile(channel);
        return subscribed;
    }

    /** Completes once the channel is no longer subscribed. */
    CompletableFuture<Void> unsubscribe(String channel) {
        CompletableFuture<Void> unsubscribed;
        synchronized (this) {
            Shard shard = shards.get(channel);
            if (shard == null) {
                return CompletableFuture.completedFuture(null);
            }
            shard.wanted = false;
            if (shard.unsubscribed.isDone()) {
                shard.unsubscribed = new CompletableFuture<>();
            }
            unsubscribed = shard.unsubscribed;
        }
        reconcile(channel);
        return unsubscribed;
    }

    /** The server ended a subscription (its slot moved); subscribe again once the topology is known anew. */
    void moved(String channel) {
        synchronized (this) {
            Shard shard = shards.get(channel);
            if (shard == null || !shard.wanted || shard.busyOn != null) {
                return; // our own unsubscription, or a command in flight that reconciles when it completes
            }
            shard.on = null;
        }
        client.refreshPartitionsAsync().whenComplete((ok, error) -> reconcile(channel));
    }

    /**
     * Issues the one command that brings the channel closer to what is wanted, unless a command is
     * in flight for it; that one's completion calls this again.
     */
    private void reconcile(String channel) {
        RedisClusterNode owner = pubSub.getPartitions().getPartitionBySlot(SlotHash.getSlot(channel));
        String node;
        boolean subscribing;
        CompletableFuture<Void> done = null;
        synchronized (this) {
            Shard shard = shards.get(channel);
            if (shard == null || shard.busyOn != null) {
                return;
            }
            if (!shard.wanted) {
                if (shard.on == null) {
                    shards.remove(channel);
                    shard.subscribed.cancel(false); // left again before it was subscribed
                    done = shard.unsubscribed;
                }
                node = shard.on;
                subscribing = false;
            } else if (owner == null) {
                done = shard.subscribed; // failed below; the next check tries again
                node = null;
                subscribing = true;
            } else if (owner.getNodeId().equals(shard.on)) {
                done = shard.subscribed;
                node = null;
                subscribing = true;
            } else {
                node = owner.getNodeId(); // a former owner is gone or has dropped the channel itself
                subscribing = true;
            }
            if (node != null) {
                shard.busyOn = node;
            }
        }
        if (node == null) {
            if (subscribing && owner == null) {
                done.completeExceptionally(new BrokerUnavailableException("no primary serves " + channel, null));
            } else if (done != null) {
                done.complete(null);
            }
            return;
        }
        log.debug("{} {} on {}", subscribing ? "Subscribing" : "Unsubscribing", channel, node);
        pubSub.getConnectionAsync(node)
                .thenCompose(c -> subscribing ? c.async().ssubscribe(channel) : c.async().sunsubscribe(channel))
                .whenComplete((ok, error) -> completed(channel, node, subscribing, error));
    }

    private void completed(String channel, String node, boolean subscribing, Throwable error) {
        CompletableFuture<Void> failed = null;
        synchronized (this) {
            Shard shard = shards.get(channel);
            shard.busyOn = null;
            if (error == null) {
                shard.on = subscribing ? node : null;
            } else if (subscribing) {
                log.warn("Could not subscribe {} on {}: {}", channel, node, error.toString());
                failed = shard.subscribed; // the next check tries again
            } else if (pubSub.getPartitions().getPartitionByNodeId(node) == null) {
                shard.on = null; // the node left the cluster, and the subscription with it
            } else {
                log.warn("Could not unsubscribe {} on {}: {}", channel, node, error.toString());
                return; // the next check tries again
            }
        }
        if (failed != null) {
            failed.completeExceptionally(new BrokerUnavailableException("could not subscribe " + channel, error));
            return;
        }
        reconcile(channel);
    }

    @Override
    public void close() {
        if (checks != null) {
            checks.shutdownNow();
            topologyChanges.dispose();
        }
    }
}
