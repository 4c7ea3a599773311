package io.switchboard.redis;

import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.codec.StringCodec;

/** A Lettuce connection of one component's own, to one Redis, a Sentinel's primary or a Cluster alike. */
public record RedisCommandConnection(StatefulConnection<String, String> connection,
                                     RedisClusterAsyncCommands<String, String> commands) implements AutoCloseable {

    public static RedisCommandConnection open(AbstractRedisClient client) {
        if (client instanceof RedisClusterClient cluster) {
            var connection = cluster.connect(StringCodec.UTF8);
            return new RedisCommandConnection(connection, connection.async());
        }
        if (client instanceof RedisClient standalone) {
            var connection = standalone.connect(StringCodec.UTF8);
            return new RedisCommandConnection(connection, connection.async());
        }
        throw new IllegalArgumentException("unsupported Redis client " + client.getClass().getName());
    }

    @Override
    public void close() {
        connection.close();
    }
}
