package io.switchboard.redis;

import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A Lettuce connection of one component's own, to one Redis, a Sentinel's primary or a Cluster
 * alike. Its owner closes it when it stops (before Spring's connection factory stops, which would
 * close it under it); closing twice is harmless.
 */
public final class RedisCommandConnection implements AutoCloseable {

    private final StatefulConnection<String, String> connection;
    private final RedisClusterAsyncCommands<String, String> commands;
    private final AtomicBoolean closed = new AtomicBoolean();

    private RedisCommandConnection(StatefulConnection<String, String> connection,
                                   RedisClusterAsyncCommands<String, String> commands) {
        this.connection = connection;
        this.commands = commands;
    }

    public static RedisCommandConnection open(AbstractRedisClient client) {
        if (client instanceof RedisClusterClient cluster) {
            var connection = cluster.connect(Utf8Codec.UTF8);
            return new RedisCommandConnection(connection, connection.async());
        }
        if (client instanceof RedisClient standalone) {
            var connection = standalone.connect(Utf8Codec.UTF8);
            return new RedisCommandConnection(connection, connection.async());
        }
        throw new IllegalArgumentException("unsupported Redis client " + client.getClass().getName());
    }

    public StatefulConnection<String, String> connection() {
        return connection;
    }

    public RedisClusterAsyncCommands<String, String> commands() {
        return commands;
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            connection.close();
        }
    }
}
