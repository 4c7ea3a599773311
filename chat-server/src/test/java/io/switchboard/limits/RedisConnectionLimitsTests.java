package io.switchboard.limits;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.switchboard.support.RedisServer;
import io.switchboard.support.Unique;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The contract on a real Redis, one node counting; and what only the cluster-wide count does: a
 * dead node's connections stop counting, and the node that sees it die removes them.
 */
class RedisConnectionLimitsTests extends ConnectionLimitsContractTests {

    private static RedisServer redis;
    private static RedisClient client;
    private final List<RedisConnectionLimits> created = new ArrayList<>();

    @BeforeAll
    static void start() {
        redis = RedisServer.create();
        client = RedisClient.create(RedisURI.create("127.0.0.1", redis.port()));
    }

    @AfterAll
    static void stop() {
        client.shutdown();
        redis.close();
    }

    @Override
    protected ConnectionLimits createLimits() {
        RedisConnectionLimits limits = new RedisConnectionLimits(client, Unique.prefix("test"), "n1", () -> List.of("n1"),
                Duration.ofMinutes(1));
        created.add(limits);
        return limits;
    }

    @AfterEach
    void closeLimits() {
        created.forEach(RedisConnectionLimits::close);
        created.clear();
    }

    @Test
    void countsConnectionsOfLiveNodesOnlyAndReleasesThem() throws Exception {
        AtomicReference<List<String>> live = new AtomicReference<>(List.of("n1", "n2"));
        String prefix = Unique.prefix("test");
        try (RedisConnectionLimits n1 = new RedisConnectionLimits(client, prefix, "n1", live::get, Duration.ofMinutes(1));
             RedisConnectionLimits n2 = new RedisConnectionLimits(client, prefix, "n2", live::get, Duration.ofMinutes(1))) {
            assertThat(n1.acquire("user:ada", "c1", 2).get()).isTrue();
            assertThat(n2.acquire("user:ada", "c2", 2).get()).isTrue();
            assertThat(n2.acquire("user:ada", "c3", 2).get()).isFalse();
            assertThat(n1.acquire("user:ada", "c1", 2).get()).as("counted once").isTrue();

            live.set(List.of("n2")); // n1 died with c1
            assertThat(n2.acquire("user:ada", "c3", 2).get()).isTrue();
            assertThat(n2.acquire("user:ada", "c4", 2).get()).isFalse();

            n2.release("user:ada", "c2");
            assertThat(n2.acquire("user:ada", "c4", 2).get()).isTrue();
        }
    }

    @Test
    void whatADeadNodeCountedIsRemovedByTheNodeThatSawItDie() throws Exception {
        AtomicReference<List<String>> live = new AtomicReference<>(List.of("n1", "n2"));
        String prefix = Unique.prefix("test");
        try (RedisConnectionLimits n1 = new RedisConnectionLimits(client, prefix, "n1", live::get, Duration.ofMinutes(1));
             RedisConnectionLimits n2 = new RedisConnectionLimits(client, prefix, "n2", live::get, Duration.ofMinutes(1));
             var redisConnection = client.connect()) {
            var redisCommands = redisConnection.sync();
            assertThat(n1.acquire("user:ada", "c1", 5).get()).isTrue();
            assertThat(n1.acquire("ip:10.0.0.1", "c1", 5).get()).isTrue();
            assertThat(n2.acquire("user:ada", "c2", 5).get()).isTrue();

            live.set(List.of("n2"));
            n2.nodeDied("n1");
            await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(25))
                    .untilAsserted(() -> assertThat(redisCommands.hkeys(prefix + "{conns:user:ada}").equals(List.of("c2"))
                            && redisCommands.exists(prefix + "{conns:ip:10.0.0.1}", prefix + "node:n1:connections") == 0)
                    .as(() -> "left: " + redisCommands.keys(prefix + "*")).isTrue());
        }
    }
}
