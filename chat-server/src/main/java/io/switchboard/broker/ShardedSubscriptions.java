package io.switchboard.broker;

import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.SlotHash;
import io.lettuce.core.cluster.event.ClusterTopologyChangedEvent;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import io.lettuce.core.cluster.pubsub.StatefulRedisClusterPubSubConnection;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
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
 */
final class ShardedSubscriptions implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ShardedSubscriptions.class);

    private final RedisClusterClient client;
    private final StatefulRedisClusterPubSubConnection<String, String> pubSub;
    /** Every shard channel this node wants, with the node id it is subscribed on. */
    private final Map<String, String> owners = new ConcurrentHashMap<>();
    private final Disposable topologyChanges;
    private final ScheduledExecutorService checks = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().name("shard-owners").daemon().factory());

    ShardedSubscriptions(RedisClusterClient client, StatefulRedisClusterPubSubConnection<String, String> pubSub) {
        this.client = client;
        this.pubSub = pubSub;
        pubSub.setNodeMessagePropagation(true); // messages of the per-node connections reach the listener
        this.topologyChanges = client.getResources().eventBus().get()
                .filter(ClusterTopologyChangedEvent.class::isInstance)
                .subscribe(event -> followAll());
        checks.scheduleWithFixedDelay(this::followAll, 1, 1, TimeUnit.SECONDS);
    }

    private void followAll() {
        owners.keySet().forEach(this::follow);
    }

    CompletableFuture<Void> subscribe(String channel) {
        owners.put(channel, "");
        return follow(channel);
    }

    CompletableFuture<Void> unsubscribe(String channel) {
        String owner = owners.remove(channel);
        if (owner == null || owner.isEmpty()) {
            return CompletableFuture.completedFuture(null);
        }
        return pubSub.getConnectionAsync(owner).thenCompose(c -> c.async().sunsubscribe(channel)).thenApply(ok -> null);
    }

    /** The server ended a subscription (its slot moved); subscribe again once the topology is known anew. */
    void moved(String channel) {
        if (owners.containsKey(channel)) {
            owners.put(channel, "");
            client.refreshPartitionsAsync().whenComplete((ok, error) -> follow(channel));
        }
    }

    /** Subscribes {@code channel} on the slot's owner unless it is subscribed there already. */
    private CompletableFuture<Void> follow(String channel) {
        RedisClusterNode owner = pubSub.getPartitions().getPartitionBySlot(SlotHash.getSlot(channel));
        if (owner == null) {
            return CompletableFuture.failedFuture(new BrokerUnavailableException("no primary serves " + channel, null));
        }
        String previous = owners.get(channel);
        if (previous == null || owner.getNodeId().equals(previous)) {
            return CompletableFuture.completedFuture(null); // unsubscribed meanwhile, or already there
        }
        owners.put(channel, owner.getNodeId());
        log.debug("Subscribing {} on {}", channel, owner.getUri());
        return pubSub.getConnectionAsync(owner.getNodeId())
                .thenCompose(c -> c.async().ssubscribe(channel))
                .thenApply(ok -> (Void) null)
                .whenComplete((ok, error) -> {
                    if (error != null) {
                        owners.replace(channel, owner.getNodeId(), ""); // try again on the next change
                        log.warn("Could not subscribe {} on {}: {}", channel, owner.getUri(), error.toString());
                    }
                });
    }

    @Override
    public void close() {
        checks.shutdownNow();
        topologyChanges.dispose();
    }
}
