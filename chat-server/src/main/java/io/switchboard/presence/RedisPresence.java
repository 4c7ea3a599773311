package io.switchboard.presence;

import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.codec.StringCodec;
import io.switchboard.broker.Broker;
import io.switchboard.broker.BrokerUnavailableException;
import io.switchboard.cluster.NodeListener;
import io.switchboard.config.LifecyclePhases;
import io.switchboard.protocol.FrameCodec;
import io.switchboard.protocol.Member;
import io.switchboard.protocol.ServerFrame;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.dao.DataAccessException;
import org.springframework.data.redis.core.StringRedisTemplate;

/**
 * Cluster-wide presence in Redis. Node liveness is the cluster registry's: when a node stops
 * sending heartbeats, the one node that removes it from the registry is told
 * ({@link NodeListener#nodeDied}) and removes the dead node's members from their rooms, relaying a
 * {@code presence leave} for each. A node whose registry entry was missing (Redis lost its data)
 * writes its members again. A node that stops cleanly removes its own members at once.
 *
 * <p>{@link #join}, {@link #members} and {@link #leave} never block: they issue their commands
 * back to back on one Lettuce connection of their own, so Redis gets them pipelined (a join is one
 * round trip) and applies them in the order they were made. {@code HVALS} after {@code HSET} on the
 * same hash, so a join's answer includes the joiner; on a Redis Cluster the room hash lives on the
 * room's slot ({@code {R}}), so both go to the same node, in order.
 *
 * <h2>Storage details</h2>
 * With {@code P} the key prefix and {@code R} a room (the braces are the room's hash tag, shared with
 * the broker's keys for the room):
 * <ul>
 *   <li>{@code P{R}:presence} hash member id → member JSON ({@code HSET}, {@code HDEL}, {@code HGET},
 *       {@code HVALS});</li>
 *   <li>{@code Pnode:<node>:members} set of {@code <room>\n<member id>} ({@code SADD}, {@code SREM},
 *       {@code SMEMBERS}, {@code DEL}): what to remove when the node dies.</li>
 * </ul>
 */
public final class RedisPresence implements Presence, NodeListener, SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(RedisPresence.class);

    private final StringRedisTemplate redis;
    private final StatefulConnection<String, String> connection;
    private final RedisClusterAsyncCommands<String, String> commands;
    private final Broker broker;
    private final FrameCodec codec;
    private final String prefix;
    private final String node;
    /** This node's members by room: the truth that is written again if Redis lost it. */
    private final Map<String, Map<String, Member>> local = new ConcurrentHashMap<>();
    private volatile boolean running;

    public RedisPresence(StringRedisTemplate redis, AbstractRedisClient client, Broker broker, FrameCodec codec,
                         String prefix, String node) {
        this.redis = redis;
        if (client instanceof RedisClusterClient cluster) {
            var clusterConnection = cluster.connect(StringCodec.UTF8);
            this.connection = clusterConnection;
            this.commands = clusterConnection.async();
        } else if (client instanceof RedisClient standalone) {
            var standaloneConnection = standalone.connect(StringCodec.UTF8);
            this.connection = standaloneConnection;
            this.commands = standaloneConnection.async();
        } else {
            throw new IllegalArgumentException("unsupported Redis client " + client.getClass().getName());
        }
        this.broker = broker;
        this.codec = codec;
        this.prefix = prefix;
        this.node = node;
    }

    @Override
    public CompletableFuture<List<Member>> join(String room, Member member) {
        local.computeIfAbsent(room, r -> new ConcurrentHashMap<>()).put(member.id(), member);
        String key = roomKey(room);
        CompletableFuture<Boolean> stored = wrap(commands.hset(key, member.id(), codec.encodeMember(member)));
        CompletableFuture<Long> indexed = wrap(commands.sadd(nodeKey(node), room + "\n" + member.id()));
        CompletableFuture<List<String>> values = wrap(commands.hvals(key));
        return stored.thenCombine(indexed, (s, i) -> s).thenCombine(values, (s, v) -> decode(v));
    }

    @Override
    public CompletableFuture<List<Member>> members(String room) {
        return wrap(commands.hvals(roomKey(room))).thenApply(this::decode);
    }

    @Override
    public CompletableFuture<Void> leave(String room, Member member) {
        local.computeIfPresent(room, (r, members) -> {
            members.remove(member.id());
            return members.isEmpty() ? null : members;
        });
        CompletableFuture<Long> removed = wrap(commands.hdel(roomKey(room), member.id()));
        CompletableFuture<Long> unindexed = wrap(commands.srem(nodeKey(node), room + "\n" + member.id()));
        return removed.thenCombine(unindexed, (r, u) -> null);
    }

    /** Another node died; this node is the one that removes its members (and tells their rooms). */
    @Override
    public void nodeDied(String deadNode) {
        reap(deadNode);
    }

    /** This node's registry entry was missing (new, or Redis lost its data): write its members again. */
    @Override
    public void registered() {
        local.forEach((room, members) -> members.values().forEach(member -> write(room, member)));
    }

    @Override
    public void start() {
        running = true;
    }

    /**
     * On a clean stop, after the rooms have finished: removes whatever is left of this node's
     * members at once (normally nothing: each closed connection left its rooms), then closes the
     * connection.
     */
    @Override
    public void stop() {
        if (!running) {
            return;
        }
        running = false;
        try {
            reap(node);
        } catch (DataAccessException e) {
            log.warn("Could not remove this node's presence on shutdown; the registry's TTL removes it");
        } finally {
            connection.close();
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

    private Void write(String room, Member member) {
        redis.opsForHash().put(roomKey(room), member.id(), codec.encodeMember(member));
        redis.opsForSet().add(nodeKey(node), room + "\n" + member.id());
        return null;
    }

    private void reap(String deadNode) {
        Set<String> entries = redis.opsForSet().members(nodeKey(deadNode));
        if (entries != null) {
            for (String entry : entries) {
                int split = entry.indexOf('\n');
                String room = entry.substring(0, split);
                String memberId = entry.substring(split + 1);
                Object json = redis.opsForHash().get(roomKey(room), memberId);
                redis.opsForHash().delete(roomKey(room), memberId);
                if (json != null) {
                    Member member = codec.decodeMember((String) json);
                    broker.publishEvent(room, codec.encode(new ServerFrame.Presence(room, "leave", member)));
                }
            }
        }
        redis.delete(nodeKey(deadNode));
    }

    private List<Member> decode(List<String> values) {
        List<Member> members = new ArrayList<>(values.size());
        for (String value : values) {
            members.add(codec.decodeMember(value));
        }
        return members;
    }

    private static <T> CompletableFuture<T> wrap(CompletionStage<T> stage) {
        return stage.toCompletableFuture().exceptionallyCompose(e -> {
            Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
            return CompletableFuture.failedFuture(
                    new BrokerUnavailableException("Redis: " + cause.getMessage(), cause));
        });
    }

    private String roomKey(String room) {
        return prefix + "{" + room + "}:presence";
    }

    private String nodeKey(String nodeId) {
        return prefix + "node:" + nodeId + ":members";
    }

}
