package io.switchboard.cluster;

import io.switchboard.config.LifecyclePhases;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.data.redis.core.script.RedisScript;
import tools.jackson.databind.json.JsonMapper;

/**
 * The node registry in Redis. Every {@code switchboard.cluster.heartbeat} the node runs one script
 * that writes its entry (state, version, address, connection count) with an expiry of {@code now +
 * ttl}, and removes every node whose expiry has passed; the node whose script removed a dead node
 * tells its {@link NodeListener}s, so the dead node's leftovers are cleaned exactly once.
 *
 * <h2>Storage details</h2>
 * With {@code P} the key prefix; {@code {cluster}} is a hash tag, so on Redis Cluster the scripts'
 * keys share one slot:
 * <ul>
 *   <li>{@code P{cluster}:nodes} sorted set node id → expiry in epoch ms ({@code ZADD},
 *       {@code ZRANGEBYSCORE}, {@code ZREM} in {@code heartbeat.lua}, {@code nodes.lua},
 *       {@code drain.lua});</li>
 *   <li>{@code P{cluster}:rebalance:lock} ({@code EXISTS} in {@code heartbeat.lua}): whether a
 *       rebalance runs (the rebalancer holds it);</li>
 *   <li>{@code P{cluster}:node-info} hash node id → JSON {@code {id, state, version, address,
 *       connections, startedAt, heartbeatAt, management}} ({@code HSET}, {@code HGET}, {@code HDEL} in the same
 *       scripts).</li>
 * </ul>
 * Node clocks should agree within a fraction of the TTL (NTP).
 */
final class RedisNodeRegistry implements NodeRegistry, SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(RedisNodeRegistry.class);
    private static final JsonMapper JSON = JsonMapper.builder().build();
    @SuppressWarnings("rawtypes")
    private static final RedisScript<List> HEARTBEAT = script("heartbeat.lua", List.class);
    @SuppressWarnings("rawtypes")
    private static final RedisScript<List> NODES = script("nodes.lua", List.class);
    private static final RedisScript<String> DRAIN = script("drain.lua", String.class);

    private final StringRedisTemplate redis;
    private final String self;
    private final String version;
    private final Supplier<String> address;
    private final Supplier<String> management;
    private final IntSupplier connections;
    private final Duration heartbeat;
    private final Duration ttl;
    private final Clock clock;
    private final List<String> keys;
    private final List<String> heartbeatKeys;
    private final Instant startedAt;
    private final List<NodeListener> listeners = new CopyOnWriteArrayList<>();
    private volatile NodeState state = NodeState.READY;
    /** The live nodes as the last heartbeat read them. */
    private volatile List<NodeView> lastSeen = List.of();
    private volatile Set<String> liveIds;
    /** Whether a rebalance ran as the last heartbeat saw it. */
    private volatile boolean rebalancing;
    private ScheduledExecutorService heartbeats;

    RedisNodeRegistry(StringRedisTemplate redis, String prefix, String self, String version, Supplier<String> address,
                      Supplier<String> management, IntSupplier connections, Duration heartbeat, Duration ttl,
                      Clock clock) {
        this.redis = redis;
        this.self = self;
        this.version = version;
        this.address = address;
        this.management = management;
        this.connections = connections;
        this.heartbeat = heartbeat;
        this.ttl = ttl;
        this.clock = clock;
        this.keys = List.of(prefix + "{cluster}:nodes", prefix + "{cluster}:node-info");
        this.heartbeatKeys = List.of(keys.get(0), keys.get(1), prefix + "{cluster}:rebalance:lock");
        this.startedAt = clock.instant();
        this.liveIds = Set.of(self);
    }

    @Override
    public String self() {
        return self;
    }

    @Override
    public List<NodeView> nodes() {
        List<?> entries = redis.execute(NODES, keys, Long.toString(clock.millis()));
        List<NodeView> nodes = new ArrayList<>(entries.size());
        for (Object entry : entries) {
            nodes.add(JSON.readValue((String) entry, Entry.class).view());
        }
        nodes.sort(Comparator.comparing(NodeView::id));
        return nodes;
    }

    @Override
    public List<NodeView> lastSeen() {
        return lastSeen;
    }

    @Override
    public Set<String> liveNodeIds() {
        return liveIds;
    }

    @Override
    public boolean rebalancing() {
        return rebalancing;
    }

    @Override
    public NodeState state() {
        return state;
    }

    @Override
    public synchronized void setState(NodeState newState) {
        state = newState;
        safeBeat();
    }

    @Override
    public synchronized Optional<DrainRefusal> tryDrain(int maxConcurrent, boolean force) {
        String refusal = redis.execute(DRAIN, keys, self, Long.toString(clock.millis()), Integer.toString(maxConcurrent),
                force ? "1" : "0", json(NodeState.DRAINING));
        if (refusal == null || refusal.isEmpty()) {
            state = NodeState.DRAINING;
            return Optional.empty();
        }
        int colon = refusal.indexOf(':');
        return Optional.of(new DrainRefusal(refusal.startsWith("busy:"), refusal.substring(colon + 1).strip()));
    }

    @Override
    public void addListener(NodeListener listener) {
        listeners.add(listener);
    }

    /** Writes this node's entry, removes dead nodes, tells the listeners and keeps the live nodes' ids. */
    synchronized void beat() {
        long now = clock.millis();
        List<?> result = redis.execute(HEARTBEAT, heartbeatKeys, self, Long.toString(now), Long.toString(now + ttl.toMillis()),
                json(state));
        List<NodeView> seen = List.copyOf(nodes());
        Set<String> ids = new HashSet<>();
        ids.add(self);
        seen.forEach(node -> ids.add(node.id()));
        lastSeen = seen;
        liveIds = Set.copyOf(ids);
        if (result.isEmpty()) {
            return;
        }
        if (((Number) result.getFirst()).longValue() == 1) {
            listeners.forEach(NodeListener::registered);
        }
        rebalancing = ((Number) result.get(1)).longValue() == 1;
        for (Object dead : result.subList(2, result.size())) {
            log.info("Node {} stopped sending heartbeats; removing it", dead);
            listeners.forEach(listener -> listener.nodeDied((String) dead));
        }
    }

    @Override
    public void start() {
        heartbeats = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().name("cluster-heartbeat").daemon().factory());
        heartbeats.scheduleWithFixedDelay(this::safeBeat, 0, heartbeat.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Leaves the registry at once on a clean stop, so the cluster view does not wait for the TTL. */
    @Override
    public void stop() {
        heartbeats.shutdownNow();
        heartbeats = null;
        try {
            redis.opsForZSet().remove(keys.get(0), self);
            redis.opsForHash().delete(keys.get(1), self);
        } catch (RuntimeException e) {
            log.warn("Could not leave the node registry on shutdown; the entry expires within {}", ttl);
        }
    }

    @Override
    public boolean isRunning() {
        return heartbeats != null;
    }

    /** Stops after the web server and the rooms (its listeners clean up members), before Redis. */
    @Override
    public int getPhase() {
        return LifecyclePhases.REGISTRY;
    }

    private void safeBeat() {
        try {
            beat();
        } catch (RuntimeException e) {
            log.debug("Cluster heartbeat failed: {}", e.getMessage());
        }
    }

    private String json(NodeState withState) {
        return JSON.writeValueAsString(new Entry(self, withState.wire(), version, address.get(),
                connections.getAsInt(), startedAt.toEpochMilli(), clock.millis(), management.get()));
    }

    /**
     * Read once, with this class's loader: a {@code ClassPathResource} would keep the loader of the
     * thread that first used it (a web application's, gone once that context stops).
     */
    private static <T> RedisScript<T> script(String name, Class<T> type) {
        try (InputStream in = RedisNodeRegistry.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("missing script " + name);
            }
            return RedisScript.of(new String(in.readAllBytes(), StandardCharsets.UTF_8), type);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * A node's entry as stored (times in epoch milliseconds). A field added here is one the previous
     * release ignores (unknown properties are), and one it does not write reads as null.
     */
    record Entry(String id, String state, String version, String address, int connections, long startedAt,
                 long heartbeatAt, String management) {

        NodeView view() {
            return new NodeView(id, NodeState.valueOf(state.toUpperCase(java.util.Locale.ROOT)), version, address,
                    connections, Instant.ofEpochMilli(startedAt), Instant.ofEpochMilli(heartbeatAt),
                    management == null ? "" : management);
        }
    }
}
