package io.switchboard.presence;

import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.switchboard.broker.Broker;
import io.switchboard.broker.BrokerUnavailableException;
import io.switchboard.broker.HistoryPage;
import io.switchboard.broker.PageRead;
import io.switchboard.broker.RedisBroker;
import io.switchboard.config.LifecyclePhases;
import io.switchboard.protocol.FrameCodec;
import io.switchboard.protocol.Member;
import io.switchboard.redis.LuaScript;
import io.switchboard.redis.RedisCommandConnection;
import io.switchboard.redis.RedisKeys;
import io.switchboard.redis.RoomEventCapture;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

/**
 * Cluster-wide presence stored in Redis, healing itself: every entry expires
 * {@code switchboard.presence.ttl} after its node last refreshed it ({@link PresenceRefresher}), and
 * every call for a room first removes the room's expired entries and reports them
 * ({@link #onExpired}), so entries of a node that died mid-cleanup, or restored from an old
 * snapshot, go away by themselves. A dead node's members are removed at once by
 * {@link PresenceReaper} through {@link #reap}. Keys: see {@link RedisKeys} ({@code presence},
 * {@code presence:expiry}, {@code node:<node>:members}); the work is {@code presence.lua}'s.
 *
 * <p>Nothing here blocks: the commands go back to back on one Lettuce connection of the store's
 * own, so Redis gets them pipelined (a join is one round trip) and applies them in the order they
 * were made. The roster is read after {@code HSET} on the same hash, so a join's answer includes
 * the joiner; on a Redis Cluster the room's keys share its slot, so both go to the same node, in
 * order. The node's member index is written in batches ({@link MemberIndex}).
 */
public final class RedisPresence implements Presence, SmartLifecycle, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(RedisPresence.class);
    private static final LuaScript SCRIPT = LuaScript.load(RedisPresence.class, "presence.lua");
    /** A join's read and the join in one script: {@code join.lua} calling {@code history.lua} and {@code presence.lua}. */
    private static final LuaScript JOIN = LuaScript.compose(LuaScript.load(RedisPresence.class, "join.lua").source(),
            "page", PageRead.source(), "presence", SCRIPT.source());

    private final RedisCommandConnection connection;
    private final RedisClusterAsyncCommands<String, String> commands;
    private final FrameCodec codec;
    private final RedisKeys keys;
    private final String node;
    private final int listLimit;
    private final Duration ttl;
    private final String ttlMillis;
    /** How long a room that holds no message outlives its members' last presence call. */
    private final String emptyRoomMillis;
    /** This node's members by room: the truth that is written again if Redis lost it. */
    private final Map<String, Map<String, Member>> local = new ConcurrentHashMap<>();
    private volatile Departures expired = (room, members, remaining) -> { };
    private volatile boolean running;
    /** The room events the webhooks want, appended by the script. */
    private final RoomEventCapture capture;
    private final MemberIndex index;

    public RedisPresence(RedisCommandConnection connection, FrameCodec codec, RedisKeys keys, String node, int listLimit,
                         Duration ttl, Duration emptyRoomRetention, RoomEventCapture capture) {
        this.capture = capture;
        this.connection = connection;
        this.commands = connection.commands();
        this.codec = codec;
        this.keys = keys;
        this.node = node;
        this.listLimit = listLimit;
        this.ttl = ttl;
        this.ttlMillis = Long.toString(Math.max(1, ttl.toMillis()));
        this.emptyRoomMillis = Long.toString(Math.max(1, emptyRoomRetention.toMillis()));
        this.index = new MemberIndex(commands, keys.nodeMembers(node), RedisPresence::wrap);
    }

    /** Who is told of the entries found expired (normally the {@link Announcer}: the room is told). */
    void onExpired(Departures departures) {
        this.expired = departures;
    }

    @Override
    public CompletableFuture<Roster> join(String room, Member member) {
        return joining(room, member, call(room, "join", member.id(), codec.encodeMember(member)))
                .thenApply(answer -> roster(room, answer));
    }

    /** The member kept as this node's and indexed, with the script that adds it; answers the script's answer. */
    private CompletableFuture<List<Object>> joining(String room, Member member, CompletableFuture<List<Object>> script) {
        local.computeIfAbsent(room, r -> new ConcurrentHashMap<>()).put(member.id(), member);
        return script.thenCombine(index.add(room, member.id()), (answer, indexed) -> answer);
    }

    /**
     * With a {@link RedisBroker}, the join's read and the join are one script ({@code join.lua}: the
     * page as {@code history.lua} reads it, then {@code presence.lua}'s join unless the read found no
     * room or a ban), on this store's connection, so the join stays in order with the member's other
     * presence calls. One command instead of two saves the node a command's dispatch, write, read and
     * completion per join; Redis runs the same calls either way (docs/benchmarks.md, "Fewer Redis
     * commands and calls per join").
     */
    @Override
    public CompletableFuture<Opened> open(Broker broker, String room, Member member, long afterOffset, int limit,
                                          boolean create) {
        if (!(broker instanceof RedisBroker redis)) {
            return Presence.super.open(broker, room, member, afterOffset, limit, create);
        }
        PageRead read = redis.pageRead();
        String[] readKeys = read.keys(room);
        String[] readArgs = read.open(afterOffset, limit, create, member.account());
        // join.lua's layout: the read's keys then presence.lua's; two counts, the read's arguments, then presence.lua's
        String[] allKeys = Stream.concat(Arrays.stream(readKeys), Arrays.stream(scriptKeys(room))).toArray(String[]::new);
        String[] allArgs = Stream.of(Stream.of(Integer.toString(readKeys.length), Integer.toString(readArgs.length)),
                        Arrays.stream(readArgs), Arrays.stream(args(room, "join", member.id(), codec.encodeMember(member))))
                .flatMap(args -> args).toArray(String[]::new);
        return joining(room, member, wrap(JOIN.<List<Object>>eval(commands, allKeys, allArgs))).thenApply(answer -> {
            @SuppressWarnings("unchecked")
            HistoryPage page = PageRead.page(room, member.account(), (List<Object>) answer.get(0));
            @SuppressWarnings("unchecked")
            List<Object> joined = marked(room, (List<Object>) answer.get(1));
            return new Opened(page, roster(room, joined));
        });
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
        CompletableFuture<Void> unindexed = index.remove(room, member.id());
        return removed.thenCombine(unindexed, (answer, u) -> count(room, answer));
    }

    /** Gives this node's members a new expiry, so their entries outlive the next third of their lifetime. */
    CompletableFuture<Void> refresh() {
        List<CompletableFuture<?>> calls = new ArrayList<>();
        local.forEach((room, members) -> {
            String[] ids = members.keySet().toArray(String[]::new);
            if (ids.length > 0) {
                calls.add(call(room, "refresh", ids).thenAccept(answer -> count(room, answer)));
            }
        });
        calls.add(wrap(commands.pexpire(keys.nodeMembers(node), 2 * ttl.toMillis())));
        return CompletableFuture.allOf(calls.toArray(CompletableFuture[]::new));
    }

    /** Writes this node's members again (Redis lost them, or this node is new to it). */
    CompletableFuture<Void> rewrite() {
        List<CompletableFuture<?>> calls = new ArrayList<>();
        local.forEach((room, members) -> members.values().forEach(member -> {
            calls.add(call(room, "join", member.id(), codec.encodeMember(member)));
            calls.add(index.add(room, member.id()));
        }));
        return CompletableFuture.allOf(calls.toArray(CompletableFuture[]::new));
    }

    /**
     * Removes a node's members: its index is read, then each room's members go in one script call
     * per room, then the index. Answers who left, room by room.
     */
    CompletableFuture<List<Departure>> reap(String deadNode) {
        String deadIndex = keys.nodeMembers(deadNode);
        return wrap(commands.smembers(deadIndex)).thenCompose(entries -> {
            Map<String, List<String>> byRoom = new LinkedHashMap<>();
            for (String entry : entries) {
                int split = entry.indexOf('\n');
                byRoom.computeIfAbsent(entry.substring(0, split), r -> new ArrayList<>()).add(entry.substring(split + 1));
            }
            List<CompletableFuture<Departure>> rooms = new ArrayList<>();
            byRoom.forEach((room, ids) -> rooms.add(call(room, "reap", ids.toArray(String[]::new))
                    .thenApply(answer -> new Departure(room, listed(answer), count(room, answer)))));
            return CompletableFuture.allOf(rooms.toArray(CompletableFuture[]::new))
                    .thenCompose(done -> wrap(commands.del(deadIndex)))
                    .thenApply(deleted -> rooms.stream().map(CompletableFuture::join)
                            .filter(departure -> !departure.members().isEmpty()).toList());
        });
    }

    /**
     * Runs {@code presence.lua} for the room: expired entries are removed first, whatever the
     * operation, and a room that holds no message yet is kept alive by the call.
     */
    private CompletableFuture<List<Object>> call(String room, String operation, String... more) {
        return wrap(SCRIPT.<List<Object>>eval(commands, scriptKeys(room), args(room, operation, more)))
                .thenApply(answer -> marked(room, answer));
    }

    /** {@code presence.lua}'s keys: the room's, and where its events go when the webhooks want them. */
    private String[] scriptKeys(String room) {
        String[] roomKeys = {keys.presence(room), keys.presenceExpiry(room), keys.meta(room)};
        return capture.presenceFlags().isEmpty() ? roomKeys : capture.keys(room, roomKeys);
    }

    private String[] args(String room, String operation, String... more) {
        String[] args = new String[7 + more.length];
        args[0] = operation;
        args[1] = ttlMillis;
        args[2] = Integer.toString(listLimit);
        args[3] = emptyRoomMillis;
        args[4] = capture.presenceFlags();
        args[5] = room;
        args[6] = capture.lifetimeSeconds();
        System.arraycopy(more, 0, args, 7, more.length);
        return args;
    }

    /** On a Redis Cluster the room is marked due for the webhooks here, after the script, not by it. */
    private List<Object> marked(String room, List<Object> answer) {
        if (!capture.presenceFlags().isEmpty() && (Long) answer.get(2) == 1L) {
            capture.appended(commands, room);
        }
        return answer;
    }

    /** The count in a script's answer, after reporting the entries that expired. */
    private int count(String room, List<Object> answer) {
        int count = ((Long) answer.get(0)).intValue();
        int expiredCount = ((Long) answer.get(1)).intValue();
        if (expiredCount > 0) {
            List<Member> gone = new ArrayList<>(expiredCount);
            for (int i = 3; i < 3 + expiredCount; i++) {
                gone.add(codec.decodeMember((String) answer.get(i)));
            }
            log.info("{} presence entr{} in {} expired unrefreshed (a node gone without cleaning up)",
                    expiredCount, expiredCount == 1 ? "y" : "ies", room);
            expired.left(room, gone, count);
        }
        return count;
    }

    private Roster roster(String room, List<Object> answer) {
        return Roster.stored(stored(answer), count(room, answer), codec::decodeMember);
    }

    /** The members a script's answer lists after the expired ones. */
    private List<Member> listed(List<Object> answer) {
        return stored(answer).stream().map(codec::decodeMember).toList();
    }

    /** The same, as their stored JSON. */
    private static List<String> stored(List<Object> answer) {
        int from = 3 + ((Long) answer.get(1)).intValue();
        List<String> members = new ArrayList<>(answer.size() - from);
        for (int i = from; i < answer.size(); i++) {
            members.add((String) answer.get(i));
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

    @Override
    public void start() {
        running = true;
    }

    /** Closes the connection once its users have stopped (the rooms, the reaper), before Redis does. */
    @Override
    public void stop() {
        running = false;
        close();
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    @Override
    public int getPhase() {
        return LifecyclePhases.PRESENCE_STORE;
    }

    @Override
    public void close() {
        connection.close();
    }

    /** Members that left a room without their connection saying so, and how many are left in it. */
    record Departure(String room, List<Member> members, int remaining) {}
}
