package io.switchboard.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.switchboard.redis.RedisKeys;
import io.switchboard.support.RedisServer;
import io.switchboard.support.Unique;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class RedisBrokerTests extends BrokerContractTests {

    private static RedisServer redis;
    /** The keys of the broker created last. */
    private RedisKeys keys;
    /** Closes what each created broker opened. */
    private final List<Runnable> created = new ArrayList<>();

    @BeforeAll
    static void startRedis() {
        redis = RedisServer.create();
    }

    @AfterAll
    static void stopRedis() {
        redis.close();
    }

    @Override
    protected Broker createBroker(Duration retention) {
        RedisClient client = RedisClient.create(RedisURI.create("127.0.0.1", redis.port()));
        client.setOptions(ClientOptions.builder()
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS).build());
        client.setDefaultTimeout(Duration.ofSeconds(2));
        String prefix = Unique.prefix("test");
        keys = new RedisKeys(prefix);
        // every room event recorded, as with webhooks configured: the scripts' event appends run too
        RedisBroker redisBroker = new RedisBroker(client, prefix, HISTORY_SIZE, Duration.ofMinutes(1), retention, retention, 0, Duration.ofSeconds(1),
                new io.switchboard.redis.RoomEventCapture(java.util.EnumSet.allOf(io.switchboard.protocol.RoomEventType.class),
                        keys, client, retention), new SimpleMeterRegistry());
        created.add(() -> {
            redisBroker.close();
            client.shutdown();
        });
        return redisBroker;
    }

    /**
     * The next release tags an event with its kind ({@code t}, {@code r}) instead of {@code e}: this
     * one reads the tag, not the frame (docs/operations.md, "Old and new side by side").
     */
    @Test
    void readsTheKindAnEventIsTaggedWith() {
        get(broker.subscribe(room));
        RedisClient client = RedisClient.create(RedisURI.create("127.0.0.1", redis.port()));
        try (var connection = client.connect()) {
            connection.sync().publish(keys.channel(room), "r{\"type\":\"typing\"}");
            connection.sync().publish(keys.channel(room), "t{\"type\":\"presence\"}");
        } finally {
            client.shutdown();
        }
        await("the events").atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(25)).until(() -> received.size() >= 2);
        assertThat(received).containsExactly(room + "|PRESENCE|{\"type\":\"typing\"}",
                room + "|TYPING|{\"type\":\"presence\"}");
    }

    @AfterEach
    void closeClients() {
        created.forEach(Runnable::run);
        created.clear();
    }

    @Test
    void changesTheEpochWhenRedisLostTheLogAndRefusesWhileDown() throws Exception {
        PublishResult before = get(broker.publish(room, "a", "{}"));

        redis.stop();
        await("broker reports unavailable").atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(25))
                .until(() -> !broker.isAvailable());
        assertThatThrownBy(() -> broker.publish(room, "b", "{}").get(5, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class)
                .hasCauseInstanceOf(BrokerUnavailableException.class);
        redis.start();
        await("broker reconnected").atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(25)).until(broker::isAvailable);

        PublishResult after = get(broker.publish(room, "c", "{}"));
        assertThat(after.epoch()).isNotEqualTo(before.epoch());
        assertThat(after.offset()).isEqualTo(1);
    }
}
