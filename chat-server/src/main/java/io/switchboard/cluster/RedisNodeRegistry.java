package io.switchboard.cluster;

import io.micrometer.core.instrument.MeterRegistry;
import io.switchboard.config.LifecyclePhases;
import io.switchboard.config.NamedThreads;
import io.switchboard.redis.LuaScript;
import io.switchboard.redis.RedisCommandConnection;
import io.switchboard.redis.RedisKeys;
import io.switchboard.redis.RedisWait;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.IntSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import tools.jackson.databind.json.JsonMapper;

/**
 * The node registry in Redis. Every {@code switchboard.cluster.heartbeat} the node runs one script
 * that writes its entry (state, version, address, connection count) with an expiry of {@code now +
 * ttl}, and removes every node whose expiry has passed; the node whose script removed a dead node
 * tells its {@link NodeListener}s, so the dead node's leftovers are cleaned exactly once. Keys: see
 * {@link RedisKeys} ({@code {cluster}:nodes}, {@code {cluster}:node-info}); node clocks should agree
 * within a fraction of the TTL (NTP).
 *
 * <p>The heartbeat never waits: its thread ({@code cluster-heartbeat}) issues the script and the
 * read of the live nodes back to back, and their answers come back to it as a task of their own,
 * which keeps the snapshot ({@link #lastSeen}) and tells the listeners. A heartbeat whose answer is
 * still out when the next is due is skipped. {@link #nodes}, {@link #setState}, {@link #tryDrain}
 * and leaving on stop wait for Redis, at most {@link RedisWait#TIMEOUT}: they are called from
 * management threads only.
 *
 * <p>A write of the entry reads the state it writes and is issued under {@link #writing}, so writes
 * reach Redis in the order the state changed; a drain holds it until its script has answered (only
 * the answer says whether the node drains), and a heartbeat due meanwhile waits for that answer.
 * Otherwise a heartbeat that read the state before a drain began could reach Redis after the
 * drain's script and show the node {@code ready} again until the next heartbeat, while another node
 * stopped at the same moment found nobody draining and drained too.
 */
final class RedisNodeRegistry implements NodeRegistry, SmartLifecycle, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(RedisNodeRegistry.class);
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final LuaScript HEARTBEAT = LuaScript.load(RedisNodeRegistry.class, "heartbeat.lua");
    private static final LuaScript NODES = LuaScript.load(RedisNodeRegistry.class, "nodes.lua");
    private static final LuaScript DRAIN = LuaScript.load(RedisNodeRegistry.class, "drain.lua");

    private final RedisCommandConnection redis;
    private final String self;
    private final String version;
    private final Supplier<String> address;
    private final Supplier<String> management;
    private final IntSupplier connections;
    private final Duration heartbeat;
    private final Duration ttl;
    private final Clock clock;
    private final MeterRegistry meters;
    private final String[] keys;
    private final String[] heartbeatKeys;
    private final Instant startedAt;
    private final List<NodeListener> listeners = new CopyOnWriteArrayList<>();
    private final AtomicBoolean beating = new AtomicBoolean();
    /** Held while the entry's state is read and its write issued, and while a drain's script runs. */
    private final ReentrantLock writing = new ReentrantLock();
    private volatile NodeState state = NodeState.READY;
    /** The live nodes as the last heartbeat read them. */
    private volatile List<NodeView> lastSeen = List.of();
    private volatile Set<String> liveIds;
    /** Whether a rebalance ran as the last heartbeat saw it. */
    private volatile boolean rebalancing;
    private volatile ScheduledExecutorService heartbeats;

    RedisNodeRegistry(RedisCommandConnection redis, RedisKeys redisKeys, String self, String version,
                      Supplier<String> address, Supplier<String> management, IntSupplier connections,
                      Duration heartbeat, Duration ttl, Clock clock, MeterRegistry meters) {
        this.redis = redis;
        this.self = self;
        this.version = version;
        this.address = address;
        this.management = management;
        this.connections = connections;
        this.heartbeat = heartbeat;
        this.ttl = ttl;
        this.clock = clock;
        this.meters = meters;
        this.keys = new String[] {redisKeys.nodes(), redisKeys.nodeInfo()};
        this.heartbeatKeys = new String[] {redisKeys.nodes(), redisKeys.nodeInfo(), redisKeys.rebalanceLock()};
        this.startedAt = clock.instant();
        this.liveIds = Set.of(self);
    }

    @Override
    public String self() {
        return self;
    }

    @Override
    public List<NodeView> nodes() {
        return RedisWait.await(readNodes());
    }

    private CompletableFuture<List<NodeView>> readNodes() {
        return NODES.<List<Object>>eval(redis.commands(), keys, Long.toString(clock.millis())).thenApply(entries -> {
            List<NodeView> nodes = new ArrayList<>(entries.size());
            for (Object entry : entries) {
                nodes.add(JSON.readValue((String) entry, Entry.class).view());
            }
            nodes.sort(Comparator.comparing(NodeView::id));
            return List.copyOf(nodes);
        });
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

    /**
     * Sets the state and writes the entry at once, waiting for the write; if Redis cannot take it now,
     * the next heartbeat writes it.
     */
    @Override
    public void setState(NodeState newState) {
        CompletableFuture<Void> written;
        writing.lock();
        try {
            state = newState;
            written = write();
        } finally {
            writing.unlock();
        }
        try {
            RedisWait.await(written);
        } catch (RuntimeException e) {
            log.debug("Could not write this node's state {} now ({}); the next heartbeat does", newState, e.toString());
        }
    }

    @Override
    public Optional<DrainRefusal> tryDrain(int maxConcurrent, boolean force) {
        String refusal;
        writing.lock();
        try {
            List<Object> answer = RedisWait.await(DRAIN.eval(redis.commands(), keys, self, Long.toString(clock.millis()),
                    Integer.toString(maxConcurrent), force ? "1" : "0", json(NodeState.DRAINING)));
            refusal = (String) answer.getFirst();
            if (refusal.isEmpty()) {
                state = NodeState.DRAINING;
            }
        } finally {
            writing.unlock();
        }
        if (refusal.isEmpty()) {
            return Optional.empty();
        }
        int colon = refusal.indexOf(':');
        return Optional.of(new DrainRefusal(refusal.startsWith("busy:"), refusal.substring(colon + 1).strip()));
    }

    @Override
    public void addListener(NodeListener listener) {
        listeners.add(listener);
    }

    /**
     * Issues a heartbeat, unless the last one is still out; its answer is handled on the heartbeat
     * thread. Completes once it has been (failed when Redis did not answer).
     */
    CompletableFuture<Void> beat() {
        if (!beating.compareAndSet(false, true)) {
            return CompletableFuture.completedFuture(null);
        }
        return write().whenComplete((done, error) -> {
            beating.set(false);
            if (error != null) {
                log.debug("Cluster heartbeat failed: {}", error.toString());
            }
        });
    }

    /**
     * Writes this node's entry and reads the live nodes (back to back: one round trip); then, on the
     * heartbeat thread, keeps what it read and tells the listeners.
     */
    private CompletableFuture<Void> write() {
        CompletableFuture<List<Object>> written;
        CompletableFuture<List<NodeView>> read;
        writing.lock();
        try {
            long now = clock.millis();
            written = HEARTBEAT.eval(redis.commands(), heartbeatKeys, self, Long.toString(now),
                    Long.toString(now + ttl.toMillis()), json(state));
            read = readNodes();
        } finally {
            writing.unlock();
        }
        ScheduledExecutorService thread = heartbeats;
        return written.thenCombine(read, Heartbeat::new)
                .thenAcceptAsync(this::apply, thread != null ? thread : Runnable::run);
    }

    private void apply(Heartbeat beat) {
        Set<String> ids = new HashSet<>();
        ids.add(self);
        beat.seen().forEach(node -> ids.add(node.id()));
        lastSeen = beat.seen();
        liveIds = Set.copyOf(ids);
        List<Object> result = beat.result();
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
        ScheduledExecutorService started = NamedThreads.scheduled("cluster-heartbeat", meters);
        heartbeats = started;
        started.scheduleWithFixedDelay(this::beat, 0, heartbeat.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Leaves the registry at once on a clean stop, so the cluster view does not wait for the TTL. */
    @Override
    public void stop() {
        ScheduledExecutorService stopping = heartbeats;
        heartbeats = null;
        if (stopping != null) {
            stopping.shutdownNow();
        }
        try {
            RedisWait.await(CompletableFuture.allOf(
                    redis.commands().zrem(keys[0], self).toCompletableFuture(),
                    redis.commands().hdel(keys[1], self).toCompletableFuture()));
        } catch (RuntimeException e) {
            log.warn("Could not leave the node registry on shutdown; the entry expires within {}", ttl);
        }
        redis.close();
    }

    @Override
    public boolean isRunning() {
        return heartbeats != null;
    }

    @Override
    public void close() {
        redis.close();
    }

    /** Stops after the web server and the rooms (its listeners clean up members), before Redis. */
    @Override
    public int getPhase() {
        return LifecyclePhases.REGISTRY;
    }

    private String json(NodeState withState) {
        return JSON.writeValueAsString(new Entry(self, withState.wire(), version, address.get(),
                connections.getAsInt(), startedAt.toEpochMilli(), clock.millis(), management.get()));
    }

    /** What a heartbeat's script answered, and the live nodes read right after it. */
    private record Heartbeat(List<Object> result, List<NodeView> seen) {}

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
