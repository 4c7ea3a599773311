package io.switchboard.redis;

import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.RedisClient;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * One pub/sub channel for node-to-node control, on a connection of its own (never a room's): plain
 * {@code PUBLISH}/{@code SUBSCRIBE}, which a Redis Cluster relays to every shard. Lettuce
 * reconnects and subscribes again by itself. Messages are handed to the listener on Lettuce's I/O
 * thread: it must not block.
 */
public final class ControlChannel implements AutoCloseable {

    private final StatefulRedisPubSubConnection<String, String> connection;
    private final RedisCommandConnection commands;
    private final String channel;

    private ControlChannel(StatefulRedisPubSubConnection<String, String> connection, RedisCommandConnection commands,
                           String channel) {
        this.connection = connection;
        this.commands = commands;
        this.channel = channel;
    }

    /**
     * Subscribes to {@code channel} (waiting for Redis as a starting node does, at most
     * {@link RedisWait#TIMEOUT}); {@code listener} gets each message's payload. Publishes on
     * {@code commands}: a subscribed connection takes no other command.
     */
    public static ControlChannel subscribe(AbstractRedisClient client, RedisCommandConnection commands, String channel,
                                           Consumer<String> listener) {
        StatefulRedisPubSubConnection<String, String> connection = switch (client) {
            case RedisClusterClient cluster -> cluster.connectPubSub(Utf8Codec.UTF8);
            case RedisClient standalone -> standalone.connectPubSub(Utf8Codec.UTF8);
            default -> throw new IllegalArgumentException("unsupported Redis client " + client.getClass().getName());
        };
        connection.addListener(new RedisPubSubAdapter<>() {
            @Override
            public void message(String from, String message) {
                if (channel.equals(from)) {
                    listener.accept(message);
                }
            }
        });
        try {
            RedisWait.await(connection.async().subscribe(channel).toCompletableFuture());
        } catch (RuntimeException e) {
            connection.close();
            throw e;
        }
        return new ControlChannel(connection, commands, channel);
    }

    /** Sends {@code message} to every node subscribed, this one included. */
    public CompletableFuture<Long> publish(String message) {
        return commands.commands().publish(channel, message).toCompletableFuture();
    }

    @Override
    public void close() {
        connection.close();
    }
}
