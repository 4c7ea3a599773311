package io.switchboard.limits;

import io.lettuce.core.AbstractRedisClient;
import io.switchboard.redis.LuaScript;
import io.switchboard.redis.RedisKeys;
import io.switchboard.redis.RedisCommandConnection;
import io.switchboard.cluster.NodeListener;
import io.switchboard.config.LifecyclePhases;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

/**
 * Connection counts shared by the cluster in Redis ({@code connections.lua}): only the connections
 * of live nodes count, as the registry's last heartbeat saw them (never a blocking read on the
 * handshake's or the frame's thread). A node removes its connection when it closes. What a node
 * counted is also indexed under the node, so that it does not outlive the node: the one node that
 * sees it die removes its entries, and a node that starts again under the same id removes what its
 * earlier life left before it serves anyone (a Kubernetes pod keeps its name across a container
 * restart). A count key expires {@code ttl} after its last new connection, whatever is left.
 *
 * <p>Keys: see {@link RedisKeys} ({@code {conns:<key>}} per user or address, and
 * {@code node:<node>:connections}, what each node counted: what to remove when it dies).
 */
final class RedisConnectionLimits implements ConnectionLimits, NodeListener, SmartLifecycle, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(RedisConnectionLimits.class);
    /** How long a starting node waits to clear what its earlier life counted before it goes on regardless. */
    private static final long START_CLEANUP_SECONDS = 5;

    private final RedisCommandConnection redis;
    private final LuaScript script = LuaScript.load(RedisConnectionLimits.class, "connections.lua");
    private final RedisKeys keys;
    private final String node;
    private final Supplier<? extends Collection<String>> liveNodes;
    private final String ttlSeconds;
    private volatile boolean running;

    RedisConnectionLimits(AbstractRedisClient client, String prefix, String node,
                          Supplier<? extends Collection<String>> liveNodes, Duration ttl) {
        this.redis = RedisCommandConnection.open(client);
        this.keys = new RedisKeys(prefix);
        this.node = node;
        this.liveNodes = liveNodes;
        this.ttlSeconds = Long.toString(Math.max(1, ttl.toSeconds()));
    }

    @Override
    public CompletableFuture<Boolean> acquire(String key, String id, int limit) {
        try {
            List<String> args = new ArrayList<>(List.of(id, node, Integer.toString(limit), ttlSeconds, node));
            args.addAll(liveNodes.get());
            return script.<List<Long>>eval(redis.commands(), new String[] {key(key)}, args.toArray(String[]::new))
                    .thenCompose(counted -> counted.getFirst() == 1L ? index(key, id) : CompletableFuture.completedFuture(false));
        } catch (RuntimeException e) { // whatever goes wrong is the caller's failed count, never its exception
            return CompletableFuture.failedFuture(e);
        }
    }

    private CompletableFuture<Boolean> index(String key, String id) {
        String index = indexKey(node);
        redis.commands().sadd(index, key + "\n" + id);
        return redis.commands().expire(index, Long.parseLong(ttlSeconds)).toCompletableFuture().thenApply(done -> true);
    }

    @Override
    public void release(String key, String id) {
        redis.commands().hdel(key(key), id).whenComplete((removed, error) -> {
            if (error != null) {
                log.debug("Could not release connection {} under {}: {}", id, key, error.toString());
            }
        });
        redis.commands().srem(indexKey(node), key + "\n" + id);
    }

    /** Another node died; this node is the one that removes what it counted. */
    @Override
    public void nodeDied(String deadNode) {
        removeAll(deadNode).whenComplete((removed, error) -> {
            if (error != null) {
                log.debug("Could not remove the connections counted by {}: {}", deadNode, error.toString());
            }
        });
    }

    /** Removes every connection {@code owner} counted, and its index; answers how many there were. */
    CompletableFuture<Integer> removeAll(String owner) {
        String index = indexKey(owner);
        return redis.commands().smembers(index).toCompletableFuture().thenCompose(entries -> {
            if (entries.isEmpty()) {
                return CompletableFuture.completedFuture(0);
            }
            List<CompletableFuture<Long>> removals = new ArrayList<>();
            for (String entry : entries) {
                int split = entry.indexOf('\n');
                removals.add(redis.commands().hdel(key(entry.substring(0, split)), entry.substring(split + 1))
                        .toCompletableFuture());
            }
            removals.add(redis.commands().srem(index, entries.toArray(String[]::new)).toCompletableFuture());
            return CompletableFuture.allOf(removals.toArray(CompletableFuture[]::new)).thenApply(done -> entries.size());
        });
    }

    /** Before the node serves anyone: what an earlier life of it under the same id counted no longer counts. */
    @Override
    public void start() {
        running = true;
        try {
            int left = removeAll(node).get(START_CLEANUP_SECONDS, TimeUnit.SECONDS);
            if (left > 0) {
                log.info("Removed {} connection counts an earlier run of node {} left behind", left, node);
            }
        } catch (Exception e) {
            log.warn("Could not remove the connection counts an earlier run of node {} may have left: {}", node,
                    e.toString());
        }
    }

    @Override
    public void stop() {
        running = false;
        redis.close();
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    /** Starts before the web server takes connections. */
    @Override
    public int getPhase() {
        return LifecyclePhases.REGISTRY;
    }

    private String key(String key) {
        return keys.connections(key);
    }

    private String indexKey(String owner) {
        return keys.nodeConnections(owner);
    }

    @Override
    public void close() {
        redis.close();
    }
}
