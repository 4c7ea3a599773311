package io.switchboard.endtoend;

import static org.awaitility.Awaitility.await;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.sync.RedisCommands;
import io.switchboard.support.Node;
import io.switchboard.support.RedisServer;
import io.switchboard.support.Unique;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;

/**
 * What the cluster tests share: one real Redis per test class, a key prefix of its own per test (so
 * tests never see each other's keys), and everything a test opens closed after it, newest first.
 */
abstract class OnRedis {

    protected static RedisServer redis;
    protected String prefix;
    private final List<AutoCloseable> open = new ArrayList<>();

    @BeforeAll
    static void startRedis() {
        redis = RedisServer.create();
    }

    @AfterAll
    static void stopRedis() {
        redis.close();
    }

    @BeforeEach
    void uniquePrefix() {
        prefix = Unique.prefix("t");
    }

    @AfterEach
    void closeAll() throws Exception {
        for (int i = open.size() - 1; i >= 0; i--) {
            open.get(i).close();
        }
    }

    protected <T extends AutoCloseable> T track(T closeable) {
        open.add(closeable);
        return closeable;
    }

    /** Runs {@code action} with a plain connection to this test's Redis, for looking at (or tampering with) its keys. */
    protected <T> T onRedis(Function<RedisCommands<String, String>, T> action) {
        RedisClient raw = RedisClient.create(RedisURI.create("127.0.0.1", redis.port()));
        try (var connection = raw.connect()) {
            return action.apply(connection.sync());
        } finally {
            raw.shutdown();
        }
    }

    /**
     * Waits until every node's registry sees every other: cluster-wide counts only count the nodes
     * a node has seen (within a heartbeat of their start).
     */
    protected static void awaitClusterView(Node... nodes) {
        java.util.Set<String> ids = new java.util.HashSet<>();
        for (Node node : nodes) {
            ids.addAll(node.liveNodes());
        }
        await("every node sees the others").atMost(java.time.Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(25))
                .until(() -> java.util.Arrays.stream(nodes).allMatch(node -> node.liveNodes().size() >= nodes.length));
    }

    /** A node in this JVM on this test's Redis and prefix, closed after the test. */
    protected Node node(String name, String... extra) {
        return track(Node.onRedis(redis.port(), prefix, name, extra));
    }
}
