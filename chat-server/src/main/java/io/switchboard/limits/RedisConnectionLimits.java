package io.switchboard.limits;

import io.lettuce.core.AbstractRedisClient;
import io.switchboard.broker.LuaScript;
import io.switchboard.broker.RedisCommandConnection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Connection counts shared by the cluster in Redis: per address or user, a hash {@code
 * P{conns:<key>}} of connection id to node id ({@code connections.lua}). A node removes its
 * connection when it closes; the connections of a node that died are dropped by the next count
 * under the same key, which only counts those of live nodes (the cluster registry's). The hash
 * expires {@code ttl} after its last new connection, so what nobody counts any more goes away.
 */
final class RedisConnectionLimits implements ConnectionLimits, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(RedisConnectionLimits.class);

    private final RedisCommandConnection redis;
    private final LuaScript script = LuaScript.load(RedisConnectionLimits.class, "connections.lua");
    private final String prefix;
    private final String node;
    private final Supplier<List<String>> liveNodes;
    private final String ttlSeconds;

    RedisConnectionLimits(AbstractRedisClient client, String prefix, String node, Supplier<List<String>> liveNodes,
                          Duration ttl) {
        this.redis = RedisCommandConnection.open(client);
        this.prefix = prefix;
        this.node = node;
        this.liveNodes = liveNodes;
        this.ttlSeconds = Long.toString(Math.max(1, ttl.toSeconds()));
    }

    @Override
    public CompletableFuture<Boolean> acquire(String key, String id, int limit) {
        List<String> args = new ArrayList<>(List.of(id, node, Integer.toString(limit), ttlSeconds, node));
        args.addAll(liveNodes.get());
        return script.<List<Long>>eval(redis.commands(), new String[] {key(key)}, args.toArray(String[]::new))
                .thenApply(counted -> counted.getFirst() == 1L);
    }

    @Override
    public void release(String key, String id) {
        redis.commands().hdel(key(key), id).whenComplete((removed, error) -> {
            if (error != null) {
                log.debug("Could not release connection {} under {}: {}", id, key, error.toString());
            }
        });
    }

    private String key(String key) {
        return prefix + "{conns:" + key + "}";
    }

    @Override
    public void close() {
        redis.close();
    }
}
