package io.switchboard.presence;

import io.switchboard.broker.Broker;
import io.switchboard.broker.BrokerUnavailableException;
import io.switchboard.protocol.FrameCodec;
import io.switchboard.protocol.Member;
import io.switchboard.protocol.ServerFrame;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.DataAccessException;
import org.springframework.data.redis.core.StringRedisTemplate;

/**
 * Cluster-wide presence in Redis, with node heartbeats so that a dead node's members go away.
 *
 * <p>Every heartbeat a node writes its expiry time into the node set, and looks for nodes whose
 * expiry has passed; the node that removes a dead node from the set (only one can) removes that
 * node's members from their rooms and relays a {@code presence leave} for each. A node that finds
 * itself missing from the node set (Redis lost its data) writes its members again.
 *
 * <h2>Storage details</h2>
 * With {@code P} the key prefix and {@code R} a room:
 * <ul>
 *   <li>{@code P{R}:presence} hash member id → member JSON ({@code HSET}, {@code HDEL}, {@code HGET},
 *       {@code HVALS});</li>
 *   <li>{@code Pnode:<node>:members} set of {@code <room>\n<member id>} ({@code SADD}, {@code SREM},
 *       {@code SMEMBERS}, {@code DEL});</li>
 *   <li>{@code Pnodes} sorted set node → expiry in epoch milliseconds ({@code ZADD}, {@code ZRANGEBYSCORE},
 *       {@code ZREM}).</li>
 * </ul>
 */
public final class RedisPresence implements Presence, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(RedisPresence.class);

    private final StringRedisTemplate redis;
    private final Broker broker;
    private final FrameCodec codec;
    private final String prefix;
    private final String node;
    private final Duration ttl;
    private final Clock clock;
    /** This node's members by room: the truth that is written again if Redis lost it. */
    private final Map<String, Map<String, Member>> local = new ConcurrentHashMap<>();
    private final ScheduledExecutorService heartbeats = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().name("presence-heartbeat").daemon().factory());

    public RedisPresence(StringRedisTemplate redis, Broker broker, FrameCodec codec, String prefix, String node,
                         Duration ttl, Duration heartbeat, Clock clock) {
        this.redis = redis;
        this.broker = broker;
        this.codec = codec;
        this.prefix = prefix;
        this.node = node;
        this.ttl = ttl;
        this.clock = clock;
        heartbeats.scheduleWithFixedDelay(this::heartbeat, 0, heartbeat.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public void add(String room, Member member) {
        local.computeIfAbsent(room, r -> new ConcurrentHashMap<>()).put(member.id(), member);
        call(() -> write(room, member));
    }

    @Override
    public void remove(String room, Member member) {
        local.computeIfPresent(room, (r, members) -> {
            members.remove(member.id());
            return members.isEmpty() ? null : members;
        });
        call(() -> {
            redis.opsForHash().delete(roomKey(room), member.id());
            redis.opsForSet().remove(nodeKey(node), room + "\n" + member.id());
            return null;
        });
    }

    @Override
    public List<Member> members(String room) {
        List<Object> values = call(() -> redis.opsForHash().values(roomKey(room)));
        List<Member> members = new ArrayList<>(values.size());
        for (Object value : values) {
            members.add(codec.decodeMember((String) value));
        }
        return members;
    }

    /** Leaves the cluster on a clean shutdown: this node's members are removed at once. */
    @Override
    public void close() {
        heartbeats.shutdownNow();
        try {
            redis.opsForZSet().remove(nodesKey(), node);
            reap(node);
        } catch (DataAccessException e) {
            log.warn("Could not remove this node's presence on shutdown; it expires within {}", ttl);
        }
    }

    void heartbeat() {
        try {
            long now = clock.millis();
            Boolean fresh = redis.opsForZSet().add(nodesKey(), node, now + ttl.toMillis());
            if (Boolean.TRUE.equals(fresh)) {
                local.forEach((room, members) -> members.values().forEach(member -> write(room, member)));
            }
            Set<String> dead = redis.opsForZSet().rangeByScore(nodesKey(), Double.NEGATIVE_INFINITY, now);
            if (dead != null) {
                for (String other : dead) {
                    Long removed = redis.opsForZSet().remove(nodesKey(), other);
                    if (removed != null && removed == 1 && !other.equals(node)) {
                        log.info("Node {} stopped sending heartbeats; removing its members", other);
                        reap(other);
                    }
                }
            }
        } catch (RuntimeException e) {
            log.debug("Presence heartbeat failed: {}", e.getMessage());
        }
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

    private static <T> T call(Supplier<T> command) {
        try {
            return command.get();
        } catch (DataAccessException e) {
            throw new BrokerUnavailableException("Redis: " + e.getMessage(), e);
        }
    }

    private String roomKey(String room) {
        return prefix + "{" + room + "}:presence";
    }

    private String nodeKey(String nodeId) {
        return prefix + "node:" + nodeId + ":members";
    }

    private String nodesKey() {
        return prefix + "nodes";
    }
}
