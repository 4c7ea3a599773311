package io.switchboard.webhook;

import io.lettuce.core.KeyScanArgs;
import io.lettuce.core.KeyScanCursor;
import io.lettuce.core.Range;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.SetArgs;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.XAddArgs;
import io.lettuce.core.ZAddArgs;
import io.lettuce.core.cluster.api.async.RedisAdvancedClusterAsyncCommands;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.switchboard.broker.BrokerUnavailableException;
import io.switchboard.protocol.RoomEvent;
import io.switchboard.protocol.RoomEventType;
import io.switchboard.redis.LuaScript;
import io.switchboard.redis.RedisCommandConnection;
import io.switchboard.redis.RedisKeys;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The rooms' events with Redis ({@link EventFeed}): each room's events are a stream beside its log
 * ({@code P{R}:events}, appended by the script that stores the message, the tombstone or the
 * member: docs/webhooks.md), and each webhook's place in it is kept with it ({@code c:<webhook>}
 * in {@code P{R}:events:state}). Which rooms have events to deliver, and which node delivers each,
 * is the due set and the leases ({@code P{webhooks}:due}, {@code :leases}; {@code claim.lua},
 * {@code release.lua}). One node per room at a time keeps a room's events in order: a consumer
 * group would hand a room's consecutive events to different nodes.
 */
final class RedisEventFeed implements EventFeed {

    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final LuaScript CLAIM = LuaScript.load(RedisEventFeed.class, "claim.lua");
    private static final LuaScript RELEASE = LuaScript.load(RedisEventFeed.class, "release.lua");
    private static final LuaScript READ = LuaScript.load(RedisEventFeed.class, "read.lua");
    private static final LuaScript ADVANCE = LuaScript.load(RedisEventFeed.class, "advance.lua");

    private final RedisCommandConnection connection;
    private final RedisClusterAsyncCommands<String, String> commands;
    private final RedisKeys keys;
    private final String node;
    private final String leaseMillis;
    private final String[] webhooks;
    private final long deadLetterCap;

    RedisEventFeed(RedisCommandConnection connection, RedisKeys keys, String node, Duration lease, List<String> webhooks,
                   int deadLetterCap) {
        this.connection = connection;
        this.commands = connection.commands();
        this.keys = keys;
        this.node = node;
        this.leaseMillis = Long.toString(lease.toMillis());
        this.webhooks = webhooks.toArray(String[]::new);
        this.deadLetterCap = deadLetterCap;
    }

    @Override
    public List<String> claim(int max) {
        List<String> rooms = await(CLAIM.eval(commands, new String[] {keys.webhooksDue(), keys.webhooksLeases()}, node,
                now(), leaseMillis, Integer.toString(max)));
        return rooms;
    }

    @Override
    public void renew(Collection<String> rooms) {
        hold("renew", rooms);
    }

    @Override
    public void release(String room) {
        hold("release", List.of(room));
    }

    @Override
    public void later(String room, Duration delay) {
        hold("later", List.of(room), Long.toString(delay.toMillis()));
    }

    private void hold(String action, Collection<String> rooms) {
        hold(action, rooms, leaseMillis);
    }

    private void hold(String action, Collection<String> rooms, String millis) {
        if (rooms.isEmpty()) {
            return;
        }
        List<String> args = new ArrayList<>(List.of(action, node, now(), millis));
        args.addAll(rooms);
        await(RELEASE.eval(commands, new String[] {keys.webhooksDue(), keys.webhooksLeases()}, args.toArray(String[]::new)));
    }

    @Override
    public List<RoomEvent> read(String room, String webhook, int max) {
        List<List<Object>> entries = await(READ.eval(commands, new String[] {keys.events(room), keys.eventState(room)},
                webhook, Integer.toString(max)));
        List<RoomEvent> events = new ArrayList<>(entries.size());
        for (List<Object> entry : entries) {
            @SuppressWarnings("unchecked")
            List<String> fields = (List<String>) entry.get(1);
            events.add(event(room, (String) entry.get(0), fields));
        }
        return events;
    }

    /** An entry of a room's events stream: fields {@code t} type, {@code s} seq, {@code e} epoch, {@code o} offset, {@code d} data. */
    private static RoomEvent event(String room, String id, List<String> fields) {
        String type = null;
        String epoch = null;
        String data = null;
        long seq = 0;
        long offset = 0;
        for (int i = 0; i + 1 < fields.size(); i += 2) {
            String value = fields.get(i + 1);
            switch (fields.get(i)) {
                case "t" -> type = value;
                case "s" -> seq = Long.parseLong(value);
                case "e" -> epoch = value.isEmpty() ? null : value;
                case "o" -> offset = Long.parseLong(value);
                case "d" -> data = value.isEmpty() ? null : value;
                default -> { } // a field of a later release
            }
        }
        long at = Long.parseLong(id, 0, id.indexOf('-'), 10);
        return new RoomEvent(room, id, RoomEventType.ofWire(type).orElse(null), seq, at, epoch, offset, data);
    }

    @Override
    public void advance(RoomEvent event, String webhook) {
        String[] args = new String[2 + webhooks.length];
        args[0] = webhook;
        args[1] = event.id();
        System.arraycopy(webhooks, 0, args, 2, webhooks.length);
        await(ADVANCE.eval(commands, new String[] {keys.events(event.room()), keys.eventState(event.room())}, args));
    }

    @Override
    public void park(String webhook, DeadLetter letter) {
        // trimmed exactly (not "~"): parking is rare, and at most the cap is kept, as docs/webhooks.md says
        await(commands.xadd(keys.deadLetters(webhook), XAddArgs.Builder.maxlen(deadLetterCap),
                Map.of("room", letter.room(), "event", letter.event(), "error", letter.error())));
    }

    @Override
    public List<DeadLetter> deadLetters(String webhook, int max) {
        List<StreamMessage<String, String>> entries = await(commands.xrange(keys.deadLetters(webhook),
                Range.create("-", "+"), io.lettuce.core.Limit.from(max)));
        return entries.stream().map(entry -> new DeadLetter(entry.getId(), entry.getBody().get("room"),
                entry.getBody().get("event"), entry.getBody().get("error"),
                Long.parseLong(entry.getId(), 0, entry.getId().indexOf('-'), 10))).toList();
    }

    @Override
    public boolean forget(String webhook, String id) {
        Long deleted = await(commands.xdel(keys.deadLetters(webhook), id));
        return deleted != null && deleted > 0;
    }

    /**
     * On a Redis Cluster, one node a round (the one that set {@code P{webhooks}:sweep} for it) scans
     * every primary for the rooms' event streams ({@code SCAN ... TYPE stream}, Lettuce going from
     * primary to primary) and marks due ({@code ZADD NX}: a due or held room keeps its place) each
     * room whose stream still holds events: what every webhook had is trimmed from it, so what is
     * left is undelivered. A room being delivered, or whose event was stored a moment ago and is
     * about to be marked, is marked again at most: claimed, it has nothing new and is released.
     */
    @Override
    public int sweep(Duration round) {
        if (!(commands instanceof RedisAdvancedClusterAsyncCommands<String, String> cluster)) {
            return 0; // the scripts mark their room due themselves
        }
        if (!"OK".equals(await(commands.set(keys.webhooksSweep(), node, SetArgs.Builder.nx().px(round.toMillis()))))) {
            return 0; // another node looks this round
        }
        String suffix = ":events";
        KeyScanArgs streams = KeyScanArgs.Builder.type("stream").match(keys.everyRoom(suffix)).limit(1000);
        int marked = 0;
        KeyScanCursor<String> page = await(cluster.scan(streams));
        while (true) {
            List<RedisFuture<Long>> lengths = page.getKeys().stream().map(commands::xlen).toList();
            for (int i = 0; i < lengths.size(); i++) {
                if (await(lengths.get(i)) > 0) {
                    String key = page.getKeys().get(i);
                    String room = keys.roomOf(key.substring(0, key.length() - suffix.length()));
                    Long added = await(commands.zadd(keys.webhooksDue(), ZAddArgs.Builder.nx(),
                            System.currentTimeMillis(), room));
                    marked += added != null ? added.intValue() : 0;
                }
            }
            if (page.isFinished()) {
                return marked;
            }
            page = await(cluster.scan(page, streams)); // the cursor object itself: it knows which primary is next
        }
    }

    @Override
    public void close() {
        connection.close();
    }

    private static String now() {
        return Long.toString(System.currentTimeMillis());
    }

    private static <T> T await(CompletionStage<T> stage) {
        try {
            return stage.toCompletableFuture().get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } catch (ExecutionException | TimeoutException e) {
            throw new BrokerUnavailableException("Redis: " + (e.getCause() != null ? e.getCause() : e), e);
        }
    }
}
