package io.switchboard.cluster;

import io.lettuce.core.AbstractRedisClient;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.switchboard.redis.RedisCommandConnection;
import io.switchboard.redis.RedisKeys;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntSupplier;

/**
 * Real Redis node registries of one test's cluster (one key prefix), for tests outside {@code
 * cluster} (in this package for its package access). Their heartbeats never run by themselves, and
 * their entries never expire during a test: a node's entry is written when the test calls {@link
 * #beat} (or its state is set), with its connection count as it is then.
 */
public final class RedisNodes implements AutoCloseable {

    private final AbstractRedisClient client;
    private final String prefix;
    private final Clock clock;
    private final List<RedisNodeRegistry> created = new ArrayList<>();

    public RedisNodes(AbstractRedisClient client, String prefix, Clock clock) {
        this.client = client;
        this.prefix = prefix;
        this.clock = clock;
    }

    /** A registry for node {@code id}, whose connection count is read from {@code connections}; not written yet. */
    public NodeRegistry node(String id, IntSupplier connections) {
        RedisNodeRegistry registry = new RedisNodeRegistry(RedisCommandConnection.open(client), new RedisKeys(prefix),
                id, "1.2.3", () -> id + ":8080", () -> "", connections, Duration.ofHours(1), Duration.ofHours(1), clock,
                new SimpleMeterRegistry());
        created.add(registry);
        return registry;
    }

    /** Writes {@code node}'s entry (state and connection count as they are now), as its heartbeat would. */
    public static void beat(NodeRegistry node) {
        ((RedisNodeRegistry) node).beat().join();
    }

    /** Closes the registries' connections; their entries stay under the test's prefix. */
    @Override
    public void close() {
        created.forEach(RedisNodeRegistry::close);
    }
}
