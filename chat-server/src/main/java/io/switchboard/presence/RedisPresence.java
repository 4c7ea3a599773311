package io.switchboard.presence;

import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.switchboard.broker.Broker;
import io.switchboard.broker.BrokerUnavailableException;
import io.switchboard.redis.LuaScript;
import io.switchboard.redis.RedisCommandConnection;
import io.switchboard.broker.RedisBroker;
import io.switchboard.cluster.NodeListener;
import io.switchboard.config.LifecyclePhases;
import io.switchboard.protocol.FrameCodec;
import io.switchboard.protocol.Member;
import io.switchboard.protocol.ServerFrame;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.dao.DataAccessException;
import org.springframework.data.redis.core.StringRedisTemplate;

/**
 * Cluster-wide presence in Redis, healing itself: every entry expires {@code switchboard.presence.ttl}
 * after its node last refreshed it (each node refreshes its members every third of that), and every
 * read or write of a room first removes the room's expired entries and relays a {@code presence
 * leave} for them. So entries of a node that died mid-cleanup, or restored from an old snapshot,
 * go away by themselves. The fast path is the cluster registry's: when a node stops sending
 * heartbeats, the one node that removes it from the registry is told ({@link NodeListener#nodeDied})
 * and removes the dead node's members at once, relaying a {@code presence leave} for each. A node
 * whose registry entry was missing (Redis lost its data) writes its members again. A node that
 * stops cleanly removes its own members at once.
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
 *   <li>{@code P{R}:presence} hash member id → member JSON, and {@code P{R}:presence:expiry} sorted
 *       set member id → expiry (epoch ms), written together by {@code presence.lua}; both expire
 *       two lifetimes after the room's last call;</li>
 *   <li>{@code Pnode:<node>:members} set of {@code <room>\n<member id>} ({@code SADD}, {@code SREM},
 *       {@code SMEMBERS}, {@code DEL}): what to remove when the node dies; it expires two lifetimes
 *       after the node's last refresh.</li>
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
    private final Duration ttl;
    private final String ttlMillis;
    /** How long a room that holds no message outlives its members' last presence call. */
    private final String emptyRoomMillis;
    private final LuaScript script = LuaScript.load(RedisPresence.class, "presence.lua");
    private ScheduledExecutorService refresher;
    /** This node's members by room: the truth that is written again if Redis lost it. */
    private final Map<String, Map<String, Member>> local = new ConcurrentHashMap<>();
    private volatile boolean running;

    public RedisPresence(StringRedisTemplate redis, AbstractRedisClient client, Broker broker, FrameCodec codec,
                         String prefix, String node, int listLimit, Duration ttl, Duration emptyRoomRetention) {
        this.redis = redis;
        this.listLimit = listLimit;
        this.ttl = ttl;
        this.ttlMillis = Long.toString(Math.max(1, ttl.toMillis()));
        this.emptyRoomMillis = Long.toString(Math.max(1, emptyRoomRetention.toMillis()));
        RedisCommandConnection own = RedisCommandConnection.open(client);
        this.connection = own.connection();
        this.commands = own.commands();
        this.broker = broker;
        this.codec = codec;
        this.prefix = prefix;
        this.node = node;
    }

    @Override
    public CompletableFuture<Roster> join(String room, Member member) {
        local.computeIfAbsent(room, r -> new ConcurrentHashMap<>()).put(member.id(), member);
        CompletableFuture<List<Object>> stored = call(room, "join", member.id(), codec.encodeMember(member));
        CompletableFuture<Long> indexed = wrap(commands.sadd(nodeKey(node), room + "\n" + member.id()));
        return stored.thenCombine(indexed, (answer, i) -> answer).thenApply(answer -> roster(room, answer));
    }

    @Override
    public CompletableFuture<Roster> members(String room) {
        return call(room, "roster").thenApply(answer -> roster(room, answer));
    }

    @Override
    public CompletableFuture<Integer> count(String room) {
        return call(room, "count").thenApply(answer -> count(room, answer));
    }

    @Override
    public CompletableFuture<Integer> leave(String room, Member member) {
        local.computeIfPresent(room, (r, members) -> {
            members.remove(member.id());
            return members.isEmpty() ? null : members;
        });
        CompletableFuture<List<Object>> removed = call(room, "leave", member.id());
        CompletableFuture<Long> unindexed = wrap(commands.srem(nodeKey(node), room + "\n" + member.id()));
        return removed.thenCombine(unindexed, (answer, u) -> count(room, answer));
    }

    /**
     * Runs {@code presence.lua} for the room: expired entries are removed first, whatever the
     * operation, and a room that holds no message yet is kept alive by the call.
     */
    private CompletableFuture<List<Object>> call(String room, String operation, String... more) {
        String[] args = new String[4 + more.length];
        args[0] = operation;
        args[1] = ttlMillis;
        args[2] = Integer.toString(listLimit);
        args[3] = emptyRoomMillis;
        System.arraycopy(more, 0, args, 4, more.length);
        return wrap(script.<List<Object>>eval(commands,
                new String[] {roomKey(room), expiryKey(room), RedisBroker.metaKey(prefix, room)}, args));
    }

    /** The count in a script's answer, after telling the room of the entries that expired. */
    private int count(String room, List<Object> answer) {
        int count = ((Long) answer.get(0)).intValue();
        int expired = ((Long) answer.get(1)).intValue();
        if (expired > 0) {
            List<Member> gone = new ArrayList<>(expired);
            for (int i = 2; i < 2 + expired; i++) {
                gone.add(codec.decodeMember((String) answer.get(i)));
            }
            log.info("{} presence entr{} in {} expired unrefreshed (a node gone without cleaning up)",
                    expired, expired == 1 ? "y" : "ies", room);
            announceLeft(room, gone, count);
        }
        return count;
    }

    private Roster roster(String room, List<Object> answer) {
        int count = count(room, answer);
        int listedFrom = 2 + ((Long) answer.get(1)).intValue();
        List<Member> members = new ArrayList<>(answer.size() - listedFrom);
        for (int i = listedFrom; i < answer.size(); i++) {
            members.add(codec.decodeMember((String) answer.get(i)));
        }
        return new Roster(members, count);
    }

    /** Refreshes this node's members, so their entries outlive the next third of their lifetime. */
    private void refresh() {
        local.forEach((room, members) -> {
            String[] ids = members.keySet().toArray(String[]::new);
            if (ids.length > 0) {
                call(room, "refresh", ids).whenComplete((answer, error) -> {
                    if (error != null) {
                        log.debug("Refreshing presence in {} failed: {}", room, error.toString());
                    } else {
                        count(room, answer);
                    }
                });
            }
        });
        commands.pexpire(nodeKey(node), 2 * ttl.toMillis());
    }

    /** Another node died; this node is the one that removes its members (and tells their rooms). */
    @Override
    public void nodeDied(String deadNode) {
        reap(deadNode);
    }

    /** This node's registry entry was missing (new, or Redis lost its data): write its members again. */
    @Override
    public void registered() {
        local.forEach((room, members) -> members.values().forEach(member -> {
            call(room, "join", member.id(), codec.encodeMember(member));
            commands.sadd(nodeKey(node), room + "\n" + member.id());
        }));
    }

    @Override
    public void start() {
        running = true;
        refresher = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().name("presence-refresh").daemon()
                .factory());
        long every = Math.max(1, ttl.toMillis() / 3);
        refresher.scheduleWithFixedDelay(this::refresh, every, every, TimeUnit.MILLISECONDS);
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
        refresher.shutdownNow();
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
                redis.opsForZSet().remove(expiryKey(room), memberId);
                if (json != null) {
                    left.computeIfAbsent(room, r -> new ArrayList<>()).add(codec.decodeMember((String) json));
                }
            }
        }
        left.forEach((room, members) -> announceLeft(room, members, redis.opsForZSet().zCard(expiryKey(room)).intValue()));
        redis.delete(nodeKey(deadNode));
    }

    /**
     * Tells a room that members left without their node saying so: a {@code presence leave} each
     * while the room (they included) was no larger than the list limit, else one member count.
     */
    private void announceLeft(String room, List<Member> members, int remaining) {
        if (remaining + members.size() <= listLimit) {
            members.forEach(member -> broker.publishEvent(room, codec.encode(new ServerFrame.Presence(room, "leave", member))));
        } else {
            broker.publishEvent(room, codec.encode(ServerFrame.MemberCount.of(room, remaining)));
        }
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

    private String expiryKey(String room) {
        return prefix + "{" + room + "}:presence:expiry";
    }

    private String nodeKey(String nodeId) {
        return prefix + "node:" + nodeId + ":members";
    }

}
