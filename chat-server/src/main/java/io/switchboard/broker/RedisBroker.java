package io.switchboard.broker;

import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.micrometer.core.instrument.MeterRegistry;
import io.switchboard.config.LifecyclePhases;
import io.switchboard.protocol.EventKind;
import io.switchboard.protocol.RoomEventType;
import io.switchboard.redis.LuaScript;
import io.switchboard.redis.RedisKeys;
import io.switchboard.redis.RoomEventCapture;
import io.switchboard.redis.Utf8Codec;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import org.springframework.context.SmartLifecycle;

/**
 * The cluster broker: rooms are Redis pub/sub channels, logs are Redis streams, and one Lua script
 * stores and publishes a message in one round trip. A node subscribes to a room's channel only
 * while it has a local member there; never one global channel, never PSUBSCRIBE.
 *
 * <h2>Storage</h2>
 * A room's keys and channel are in {@link RedisKeys} ({@code meta}, {@code log}, {@code dedupe},
 * channel {@code P{R}}); the channel carries {@code p<epoch>\n<offset>\n<body>} for a stored
 * message (from {@code publish.lua}, or with {@code ack-replicas} from {@code relay.lua} once
 * {@code WAIT} confirmed it), {@code e<frame>} for an ephemeral event (read too: {@code t<frame>}
 * typing, {@code r<frame>} presence, what the next release writes).
 * <p>If {@code meta} is missing (new room, or Redis lost its data), the scripts create it with a new
 * random epoch and drop any stale log, so offsets restart at 1 under a new epoch; a join's read
 * ({@link #open}) only when allowed to create rooms. A {@code meta} created by a read expires
 * {@code switchboard.history.empty-room-retention} later; the presence calls of its members extend
 * that while it holds no message ({@code presence.lua}), and its first message sets the retention.
 *
 * <p>Commands fail at once while Redis is unreachable (the client is configured with
 * {@code REJECT_COMMANDS}); the pub/sub connection reconnects with backoff and resubscribes, and
 * each resubscription is reported through {@link BrokerEventHandler#onSubscribed} so the node reads
 * what it missed from the log.
 */
public final class RedisBroker implements Broker, SmartLifecycle, AutoCloseable {

    private final String prefix;
    private final RedisKeys keys;
    private final int historySize;
    private final long dedupeTtlSeconds;
    private final String retentionSeconds;
    /** How long a room created by a read lives while nobody writes to it (members' presence extends it). */
    private final String emptyRetentionSeconds;
    /** Replicas a publish waits for before it is acknowledged ({@code 0}: none). */
    private final int ackReplicas;
    private final long ackTimeoutMillis;
    /**
     * Where publishes go when they wait for replicas: {@code WAIT} holds its connection until the
     * replicas answer, so it gets one of its own and every other command keeps flowing.
     */
    private final RedisAsyncCommands<String, String> publishCommands;
    private final StatefulConnection<String, String> publishConnection;
    private final LuaScript publishScript = LuaScript.load(RedisBroker.class, "publish.lua");
    private final PageRead pageRead;
    private final LuaScript fenceScript = LuaScript.load(RedisBroker.class, "fence.lua");
    private final LuaScript relayScript = LuaScript.load(RedisBroker.class, "relay.lua");
    private final StatefulConnection<String, String> commandConnection;
    private final RedisClusterAsyncCommands<String, String> commands;
    private final StatefulRedisPubSubConnection<String, String> pubSub;
    /**
     * On a Redis Cluster rooms use sharded pub/sub: each room's channel is subscribed on the primary
     * that owns its slot (the channel carries the room's hash tag, like its keys), so a message
     * travels to that shard only, not to every node of the cluster. Null for one Redis or Sentinel,
     * where classic pub/sub is the same thing.
     */
    private final ShardedSubscriptions sharded;
    private volatile boolean running;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final RoomScan roomScan;
    private final RoomListener listener;
    /** The room events the webhooks want, appended by the scripts. */
    private final RoomEventCapture capture;
    private final RedisModeration moderation;

    public RedisBroker(AbstractRedisClient client, String prefix, int historySize, Duration dedupeTtl,
                       Duration retention, Duration emptyRoomRetention, int ackReplicas, Duration ackTimeout,
                       RoomEventCapture capture, MeterRegistry meters) {
        this.capture = capture;
        this.ackReplicas = ackReplicas;
        this.ackTimeoutMillis = Math.max(1, ackTimeout.toMillis());
        this.prefix = prefix;
        this.keys = new RedisKeys(prefix);
        this.historySize = historySize;
        long retained = Math.max(1, retention.toSeconds());
        this.retentionSeconds = Long.toString(retained);
        this.emptyRetentionSeconds = Long.toString(Math.max(1, emptyRoomRetention.toSeconds()));
        this.pageRead = new PageRead(keys, emptyRetentionSeconds, ackReplicas > 0, RedisBroker::newEpoch);
        // a remembered clientMsgId outliving its room would be a key kept past the retention
        this.dedupeTtlSeconds = Math.min(retained, Math.max(1, dedupeTtl.toSeconds()));
        if (client instanceof RedisClusterClient cluster) {
            var connection = cluster.connect(Utf8Codec.UTF8);
            this.commandConnection = connection;
            this.commands = connection.async();
            var clusterPubSub = cluster.connectPubSub(Utf8Codec.UTF8);
            this.pubSub = clusterPubSub;
            this.sharded = new ShardedSubscriptions(cluster, clusterPubSub, meters);
        } else if (client instanceof RedisClient standalone) {
            var connection = standalone.connect(Utf8Codec.UTF8);
            this.commandConnection = connection;
            this.commands = connection.async();
            this.pubSub = standalone.connectPubSub(Utf8Codec.UTF8);
            this.sharded = null;
        } else {
            throw new IllegalArgumentException("unsupported Redis client " + client.getClass().getName());
        }
        this.listener = new RoomListener(prefix, keys, sharded);
        pubSub.addListener(listener);
        this.roomScan = new RoomScan(commandConnection, commands, keys);
        this.moderation = new RedisModeration(commands, keys, sharded != null, capture);
        if (ackReplicas > 0 && client instanceof RedisClient standalone) {
            var connection = standalone.connect(Utf8Codec.UTF8);
            this.publishConnection = connection;
            this.publishCommands = connection.async();
        } else if (ackReplicas > 0) {
            // WAIT must reach the primary that ran the publish; a cluster connection routes it elsewhere
            throw new IllegalArgumentException("switchboard.redis.ack-replicas works with one Redis or Sentinel, "
                    + "not with a Redis Cluster");
        } else {
            this.publishConnection = null;
            this.publishCommands = null;
        }
    }

    @Override
    public void setHandler(BrokerEventHandler handler) {
        listener.handler = handler;
    }

    @Override
    public CompletableFuture<Void> subscribe(String room) {
        if (sharded != null) {
            return wrap(sharded.subscribe(keys.channel(room)));
        }
        return wrap(pubSub.async().subscribe(keys.channel(room))).thenApply(ok -> null);
    }

    @Override
    public CompletableFuture<Void> unsubscribe(String room) {
        if (sharded != null) {
            return wrap(sharded.unsubscribe(keys.channel(room)));
        }
        return wrap(pubSub.async().unsubscribe(keys.channel(room))).thenApply(ok -> null);
    }

    @Override
    public CompletableFuture<PublishResult> publish(String room, String dedupeKey, String body, String sender) {
        String[] scriptKeys = capture.keys(room, keys.meta(room), keys.log(room), keys.dedupe(room, dedupeKey),
                keys.bans(room));
        String relayNow = publishCommands == null ? "1" : "0";
        String[] args = {newEpoch(), body, keys.channel(room), Integer.toString(historySize),
                Long.toString(dedupeTtlSeconds), retentionSeconds, sharded != null ? "SPUBLISH" : "PUBLISH", relayNow,
                sender == null ? "" : sender, Long.toString(System.currentTimeMillis()),
                capture.flag(RoomEventType.MESSAGE_CREATED), room};
        if (publishCommands == null) {
            return this.<List<Object>>eval(publishScript, scriptKeys, args)
                    .thenApply(r -> marked(room, published(room, sender, r)));
        }
        // The script (which stores without relaying) and WAIT back to back on the publishing
        // connection: WAIT answers once the replicas have every write this connection made, the
        // message included. Only then is it relayed, so members are never shown what a failover to
        // a replica could take back; a retry of a send that was stored but not confirmed relays it.
        CompletableFuture<List<Object>> stored = publishScript.eval(publishCommands, scriptKeys, args);
        CompletableFuture<Long> replicated = publishCommands.waitForReplication(ackReplicas, ackTimeoutMillis)
                .toCompletableFuture();
        return wrap(stored.thenCombine(replicated, (r, replicas) -> {
            if (replicas < ackReplicas) {
                throw new IllegalStateException("stored, but on " + replicas + " of " + ackReplicas
                        + " replicas within " + ackTimeoutMillis + " ms");
            }
            return published(room, sender, r);
        }).thenCompose(result -> relayScript.<List<Object>>eval(publishCommands,
                new String[] {keys.meta(room), keys.log(room)}, result.epoch(), Long.toString(result.offset()), keys.channel(room),
                "PUBLISH").thenApply(relayed -> result)));
    }

    /** A stored message's event (on a Redis Cluster the room is marked due here, not by the script). */
    private PublishResult marked(String room, PublishResult result) {
        if (!result.duplicate()) {
            capture.appended(commands, room, RoomEventType.MESSAGE_CREATED);
        }
        return result;
    }

    private static PublishResult published(String room, String sender, List<Object> r) {
        if (r.size() == 2) {
            throw new BannedException(room, Ban.of(sender, (String) r.get(1)));
        }
        return new PublishResult((String) r.get(0), (Long) r.get(1), ((Long) r.get(2)) == 1L);
    }

    /** Relayed in the format the release before reads ({@link RoomChannelPayload#event}). */
    @Override
    public CompletableFuture<Void> publishEvent(String room, EventKind kind, String frame) {
        String channel = keys.channel(room);
        String payload = RoomChannelPayload.event(kind, frame);
        return wrap(sharded != null ? commands.spublish(channel, payload) : commands.publish(channel, payload))
                .thenApply(receivers -> null);
    }

    @Override
    public CompletableFuture<HistoryPage> since(String room, long afterOffset, int limit) {
        return history(room, "since", afterOffset, limit, true, null);
    }

    @Override
    public CompletableFuture<HistoryPage> open(String room, long afterOffset, int limit, boolean create, String user) {
        return history(room, "since", afterOffset, limit, create, user);
    }

    @Override
    public CompletableFuture<HistoryPage> before(String room, long beforeOffset, int limit) {
        return history(room, "before", beforeOffset, limit, true, null);
    }

    @Override
    public CompletableFuture<Void> ban(String room, Ban ban) {
        return moderation.ban(room, ban);
    }

    @Override
    public CompletableFuture<Boolean> unban(String room, String user) {
        return moderation.unban(room, user);
    }

    @Override
    public CompletableFuture<List<Ban>> bans(String room) {
        return moderation.bans(room);
    }

    @Override
    public CompletableFuture<Deletion> delete(String room, long offset, String epoch) {
        return moderation.delete(room, offset, epoch);
    }

    @Override
    public CompletableFuture<String> fence(String room, String epoch, long lastOffset) {
        return this.<List<Object>>eval(fenceScript, new String[] {keys.meta(room)}, epoch, Long.toString(lastOffset),
                newEpoch()).thenApply(r -> (String) r.get(0));
    }

    @Override
    public boolean isAvailable() {
        return commandConnection.isOpen() && pubSub.isOpen();
    }

    /** Closes both connections, once (the lifecycle's stop and the bean's destruction both call it). */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            if (sharded != null) {
                sharded.close();
            }
            pubSub.close();
            commandConnection.close();
            if (publishConnection != null) {
                publishConnection.close();
            }
        }
    }

    @Override
    public void start() {
        if (sharded != null) {
            sharded.start();
        }
        running = true;
    }

    /** Closes the connections after every other Redis user has stopped, before the connection factory does. */
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
        return LifecyclePhases.BROKER;
    }

    private CompletableFuture<HistoryPage> history(String room, String mode, long offset, int limit, boolean create,
                                                   String user) {
        return this.<List<Object>>eval(PageRead.SCRIPT, pageRead.keys(room), pageRead.args(mode, offset, limit, create, user))
                .thenApply(r -> PageRead.page(room, user, r));
    }

    /** The join's read, for a store that runs it in front of its own script ({@link PageRead}). */
    public PageRead pageRead() {
        return pageRead;
    }

    private <T> CompletableFuture<T> eval(LuaScript script, String[] scriptKeys, String... args) {
        return wrap(script.eval(commands, scriptKeys, args));
    }

    /** {@link RoomScan}: a SCAN of the rooms' {@code meta} keys, primary by primary on a Redis Cluster. */
    @Override
    public CompletableFuture<RoomPage> rooms(String cursor, int limit) {
        return roomScan.page(cursor, limit);
    }

    static <T> CompletableFuture<T> wrap(CompletionStage<T> stage) {
        return stage.toCompletableFuture().exceptionallyCompose(e -> CompletableFuture.failedFuture(
                new BrokerUnavailableException("Redis: " + unwrap(e).getMessage(), unwrap(e))));
    }

    private static Throwable unwrap(Throwable e) {
        return e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
    }

    /** A room's epoch if the publish finds none: 48 random bits (not secret; as {@code Rooms.messageId}). */
    private static String newEpoch() {
        return HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong(), 12);
    }
}
