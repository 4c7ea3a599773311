package io.switchboard.presence;

import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.switchboard.support.RedisServer;
import io.switchboard.support.Unique;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class MemberIndexTests {

    private static RedisServer redis;
    private static RedisClient client;
    private static RedisCommands<String, String> raw;

    @BeforeAll
    static void startRedis() {
        redis = RedisServer.create();
        client = RedisClient.create(RedisURI.create("127.0.0.1", redis.port()));
        raw = client.connect().sync();
    }

    @AfterAll
    static void stopRedis() {
        client.shutdown();
        redis.close();
    }

    @Test
    void changesMadeWhileABatchIsOnItsWayAreWrittenTogetherInTheOrderTheyWereMade() throws Exception {
        String key = Unique.prefix("index") + "node:n1:members";
        try (StatefulRedisConnection<String, String> connection = client.connect()) {
            MemberIndex index = new MemberIndex(connection.async(), key, future -> future);
            long addsBefore = calls("sadd");
            long removesBefore = calls("srem");
            // Redis holds writes for a second: the first change is on its way, unanswered, while the rest are made
            raw.clientPause(1000);
            List<CompletableFuture<Void>> written = new ArrayList<>();
            written.add(index.add("lobby", "m0"));
            IntStream.range(1, 100).forEach(i -> written.add(index.add("lobby", "m" + i)));
            written.add(index.remove("lobby", "m5"));
            written.add(index.add("lobby", "m5")); // the later change wins
            written.add(index.remove("lobby", "m0")); // removes what the first batch adds
            written.add(index.add("other", "m0"));
            written.add(index.remove("other", "m0"));
            CompletableFuture.allOf(written.toArray(CompletableFuture[]::new)).get(10, TimeUnit.SECONDS);

            List<String> expected = IntStream.range(1, 100).mapToObj(i -> MemberIndex.entry("lobby", "m" + i)).toList();
            assertThat(raw.smembers(key)).containsExactlyInAnyOrderElementsOf(expected);
            assertThat(calls("sadd") - addsBefore).as("SADD commands").isEqualTo(2);
            assertThat(calls("srem") - removesBefore).as("SREM commands").isEqualTo(1);
        }
    }

    @Test
    void aChangeAloneIsWrittenAtOnce() throws Exception {
        String key = Unique.prefix("index") + "node:n1:members";
        try (StatefulRedisConnection<String, String> connection = client.connect()) {
            MemberIndex index = new MemberIndex(connection.async(), key, future -> future);
            index.add("lobby", "ada").get(10, TimeUnit.SECONDS);
            assertThat(raw.smembers(key)).containsExactly(MemberIndex.entry("lobby", "ada"));
            index.remove("lobby", "ada").get(10, TimeUnit.SECONDS);
            assertThat(raw.exists(key)).isZero();
        }
    }

    /** How many times Redis ran the command, from {@code INFO commandstats}. */
    private static long calls(String command) {
        Matcher calls = Pattern.compile("cmdstat_" + command + ":calls=(\\d+)").matcher(raw.info("commandstats"));
        return calls.find() ? Long.parseLong(calls.group(1)) : 0;
    }
}
