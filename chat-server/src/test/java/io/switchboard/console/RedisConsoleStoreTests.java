package io.switchboard.console;

import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.switchboard.redis.RedisCommandConnection;
import io.switchboard.redis.RedisKeys;
import io.switchboard.support.RedisServer;
import io.switchboard.support.Unique;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The console's history on a real Redis, and what only a cluster has: every node's samples, read by any node. */
class RedisConsoleStoreTests extends ConsoleStoreContractTests {

    private static RedisServer redis;
    private static RedisClient client;
    private final RedisKeys keys = new RedisKeys(Unique.prefix("test"));

    @BeforeAll
    static void startRedis() {
        redis = RedisServer.create();
        client = RedisClient.create(RedisURI.create("127.0.0.1", redis.port()));
    }

    @AfterAll
    static void stopRedis() {
        client.shutdown();
        redis.close();
    }

    @Override
    protected ConsoleStore createStore() {
        return new RedisConsoleStore(RedisCommandConnection.open(client), keys);
    }

    @Test
    void everyNodeReadsEveryNodesSamples() {
        try (ConsoleStore other = createStore()) {
            other.sample("node-b", System.currentTimeMillis(), "{\"node\":\"b\"}");
            store.sample("node-a", System.currentTimeMillis(), "{\"node\":\"a\"}");

            assertThat(store.samples(0)).as("this node's sample written").containsKey("node-a");
            assertThat(other.samples(0)).containsOnlyKeys("node-a", "node-b");
            assertThat(store.samples(0).get("node-b")).containsExactly("{\"node\":\"b\"}");
        }
    }
}
