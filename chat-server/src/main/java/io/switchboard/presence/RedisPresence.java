package io.switchboard.presence;

import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.KeyValue;
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
import java.util.HashMap;
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
 * round trip) and applies them in the order they were made. The roster is read after {@code HSET} on the
 * same hash, so a join's answer includes the joiner; on a Redis Cluster the room hash lives on the
 * room's slot ({@code {R}}), so both go to the same node, in order.
 *
 * <h2>Storage details</h2>
 * With {@code P} the key prefix and {@code R} a room (the braces are the room's hash tag, shared with
 * the broker's keys for the room):
 * <ul>
 *   <li>{@code P{R}:presence} hash member id → member JSON ({@code HSET}, {@code HDEL}, {@code HGET},
 *       {@code HLEN}, {@code HRANDFIELD});</li>
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
    private final int listLimit;
    /** This node's members by room: the truth that is written again if Redis lost it. */
    private final Map<String, Map<String, Member>> local = new ConcurrentHashMap<>();
    private volatile boolean running;

    public RedisPresence(StringRedisTemplate redis, AbstractRedisClient client, Broker broker, FrameCodec codec,
                         String prefix, String node, int listLimit) {
        this.redis = redis;
        this.listLimit = listLimit;
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
    public CompletableFuture<Roster> join(String room, Member member) {
        local.computeIfAbsent(room, r -> new ConcurrentHashMap<>()).put(member.id(), member);
        String key = roomKey(room);
        CompletableFuture<Boolean> stored = wrap(commands.hset(key, member.id(), codec.encodeMember(member)));
        CompletableFuture<Long> indexed = wrap(commands.sadd(nodeKey(node), room + "\n" + member.id()));
        return stored.thenCombine(indexed, (s, i) -> s).thenCombine(roster(key), (s, roster) -> roster);
    }

    @Override
    public CompletableFuture<Roster> members(String room) {
        return roster(roomKey(room));
    }

    /** HLEN and HRANDFIELD (distinct fields, at most the limit): never the whole hash of a large room. */
    private CompletableFuture<Roster> roster(String key) {
        CompletableFuture<Long> count = wrap(commands.hlen(key));
        CompletableFuture<List<KeyValue<String, String>>> some = wrap(commands.hrandfieldWithvalues(key, listLimit));
        return count.thenCombine(some, (n, values) -> new Roster(decode(values), n.intValue()));
    }

    @Override
    public CompletableFuture<Integer> count(String room) {
        return wrap(commands.hlen(roomKey(room))).thenApply(Long::intValue);
    }

    @Override
    public CompletableFuture<Integer> leave(String room, Member member) {
        local.computeIfPresent(room, (r, members) -> {
            members.remove(member.id());
            return members.isEmpty() ? null : members;
        });
        String key = roomKey(room);
        CompletableFuture<Long> removed = wrap(commands.hdel(key, member.id()));
        CompletableFuture<Long> unindexed = wrap(commands.srem(nodeKey(node), room + "\n" + member.id()));
        CompletableFuture<Long> left = wrap(commands.hlen(key));
        return removed.thenCombine(unindexed, (r, u) -> r).thenCombine(left, (r, n) -> n.intValue());
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

    /**
     * Removes a node's members. Their rooms are told as they would be by the node itself: a
     * {@code presence leave} per member in a room no larger than the list limit, one member count
     * for a larger room.
     */
    private void reap(String deadNode) {
        Set<String> entries = redis.opsForSet().members(nodeKey(deadNode));
        Map<String, List<Member>> left = new HashMap<>();
        if (entries != null) {
            for (String entry : entries) {
                int split = entry.indexOf('\n');
                String room = entry.substring(0, split);
                String memberId = entry.substring(split + 1);
                Object json = redis.opsForHash().get(roomKey(room), memberId);
                redis.opsForHash().delete(roomKey(room), memberId);
                if (json != null) {
                    left.computeIfAbsent(room, r -> new ArrayList<>()).add(codec.decodeMember((String) json));
                }
            }
        }
        left.forEach((room, members) -> {
            long count = redis.opsForHash().size(roomKey(room));
            if (count + members.size() <= listLimit) {
                members.forEach(member -> broker.publishEvent(room,
                        codec.encode(new ServerFrame.Presence(room, "leave", member))));
            } else {
                broker.publishEvent(room, codec.encode(ServerFrame.MemberCount.of(room, (int) count)));
            }
        });
        redis.delete(nodeKey(deadNode));
    }

    private List<Member> decode(List<KeyValue<String, String>> values) {
        List<Member> members = new ArrayList<>(values.size());
        for (KeyValue<String, String> value : values) {
            members.add(codec.decodeMember(value.getValue()));
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
