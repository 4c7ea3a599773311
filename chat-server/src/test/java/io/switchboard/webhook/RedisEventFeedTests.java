package io.switchboard.webhook;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.switchboard.broker.RedisBroker;
import io.switchboard.protocol.RoomEventType;
import io.switchboard.redis.RedisCommandConnection;
import io.switchboard.redis.RedisKeys;
import io.switchboard.redis.RoomEventCapture;
import io.switchboard.support.RedisServer;
import io.switchboard.support.Unique;
import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The events on a real Redis: appended by the broker's scripts, claimed and read by the feed's. */
class RedisEventFeedTests extends EventFeedContractTests {

    private static RedisServer redis;
    private RedisClient client;

    @BeforeAll
    static void startRedis() {
        redis = RedisServer.create();
    }

    @AfterAll
    static void stopRedis() {
        redis.close();
    }

    @Override
    protected void create(Set<RoomEventType> wanted) {
        client = RedisClient.create(RedisURI.create("127.0.0.1", redis.port()));
        String prefix = Unique.prefix("test");
        RedisKeys keys = new RedisKeys(prefix);
        broker = new RedisBroker(client, prefix, 100, Duration.ofMinutes(1), Duration.ofDays(1), Duration.ofDays(1), 0,
                Duration.ofSeconds(1), new RoomEventCapture(wanted, keys, client, Duration.ofDays(1)),
                new SimpleMeterRegistry());
        feed = new RedisEventFeed(RedisCommandConnection.open(client), keys, "node-a", Duration.ofSeconds(30), WEBHOOKS,
                DEAD_LETTERS);
    }

    @Override
    protected void close() {
        feed.close();
        ((RedisBroker) broker).close();
        client.shutdown();
    }
}
