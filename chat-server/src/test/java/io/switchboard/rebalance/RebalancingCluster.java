package io.switchboard.rebalance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.lettuce.core.AbstractRedisClient;
import io.switchboard.cluster.NodeRegistry;
import io.switchboard.cluster.NodeState;
import io.switchboard.cluster.RedisNodes;
import io.switchboard.config.SwitchboardProperties;
import io.switchboard.session.ConnectionsWithFakeSockets;
import io.switchboard.support.ManualScheduler;
import io.switchboard.support.Unique;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

/**
 * A cluster of {@link RedisRebalancer}s on a real Redis, under a key prefix of its own: each node a
 * real registry ({@link RedisNodes}) and a real {@code Connections} of connections on sockets of
 * the test's ({@link ConnectionsWithFakeSockets}). Everything the nodes do besides talking to Redis
 * (rounds, sheds, the paced moves) runs on one {@link ManualScheduler}, on the test's thread, when
 * the test runs what is due or advances the clock; the rebalancers' and the registries' clock is
 * that scheduler's. Only the shed orders travel by themselves, on the control channel: the test
 * waits for their outcome. Sheds are not paced ({@code window} 0) and clients wait for no jitter,
 * so a round's sheds end as soon as their order arrives. Nothing lands anywhere unless the test
 * says where ({@link #landOnTheEmptiest}): the test is the load balancer.
 */
final class RebalancingCluster implements AutoCloseable {

    /** The nodes' heartbeat: a rebalance's rounds are two of them (and a second) apart, as no window is set. */
    static final Duration HEARTBEAT = Duration.ofSeconds(1);
    /** How long a rebalance may run: on the scheduler's clock, where it costs nothing. */
    static final Duration TIMEOUT = Duration.ofMinutes(1);
    /** The default tolerance's absolute part: with means under 30, the tolerance. */
    static final int TOLERANCE = 3;

    final ManualScheduler scheduler = new ManualScheduler();
    private final Clock clock = new SchedulerClock(scheduler);
    private final AbstractRedisClient client;
    private final SwitchboardProperties properties;
    private final RedisNodes registries;
    private final Map<String, Node> nodes = new LinkedHashMap<>();

    /** A cluster with the settings above, then {@code settings} ({@code switchboard.*} names without the prefix). */
    RebalancingCluster(AbstractRedisClient client, Map<String, String> settings) {
        this.client = client;
        String prefix = Unique.prefix("test");
        Map<String, String> all = new HashMap<>(Map.of(
                "redis.key-prefix", prefix,
                "cluster.heartbeat", HEARTBEAT.toMillis() + "ms",
                "drain.reconnect-jitter", "0s",
                "rebalance.window", "0s",
                "rebalance.timeout", TIMEOUT.toSeconds() + "s",
                "rebalance.auto", "false"));
        all.putAll(settings);
        Map<String, String> named = new HashMap<>();
        all.forEach((name, value) -> named.put("switchboard." + name, value));
        this.properties = new Binder(new MapConfigurationPropertySource(named))
                .bindOrCreate("switchboard", SwitchboardProperties.class);
        this.registries = new RedisNodes(client, prefix, clock);
    }

    RebalancingCluster(AbstractRedisClient client) {
        this(client, Map.of());
    }

    /** A node that joins with {@code connections} open: ready, its entry written, its rebalancer subscribed. */
    Node join(String id, int connections) {
        ConnectionsWithFakeSockets sockets = new ConnectionsWithFakeSockets(scheduler);
        sockets.open(connections);
        NodeRegistry registry = registries.node(id, sockets.connections()::count);
        RedisRebalancer rebalancer = new RedisRebalancer(client, registry, sockets.connections(), properties, clock,
                () -> scheduler);
        rebalancer.start();
        Node node = new Node(id, sockets, registry, rebalancer);
        nodes.put(id, node);
        node.beat();
        return node;
    }

    /** Runs what is due now (a started rebalance's first round), without moving the clock. */
    void runDue() {
        scheduler.runDue();
    }

    /**
     * Waits for the shed orders of the round that just ran to be carried out: until the running
     * rebalance has recorded {@code shed} (connections shed per node, in total), running meanwhile
     * what the orders start. The shed is the nodes' own count of what they moved.
     */
    void awaitShed(Map<String, Long> shed) {
        Rebalancer any = nodes.values().iterator().next().rebalancer();
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(25)).untilAsserted(() -> {
            scheduler.runDue();
            assertThat(any.status().shed()).as("connections shed per node").isEqualTo(shed);
        });
    }

    /**
     * The test's least-connections load balancer: {@code clients} connect one by one, each to the
     * ready node with the fewest connections (the first by id on a tie); then every node beats.
     */
    void landOnTheEmptiest(int clients) {
        for (int i = 0; i < clients; i++) {
            nodes.values().stream().filter(node -> node.registry().state() == NodeState.READY)
                    .min(Comparator.comparingInt(Node::connections)).orElseThrow().sockets().open(1);
        }
        nodes.values().forEach(Node::beat);
    }

    /**
     * Moves the clock on a heartbeat at a time until no rebalance runs, at most {@link #TIMEOUT}
     * and a bit; answers how it ended.
     */
    RebalanceStatus awaitEnd() {
        Rebalancer any = nodes.values().iterator().next().rebalancer();
        for (long beats = 0; beats < TIMEOUT.dividedBy(HEARTBEAT) + 10 && any.status().running(); beats++) {
            scheduler.advance(HEARTBEAT);
        }
        return any.status();
    }

    /** Connections per node, ordered by id. */
    Map<String, Integer> connections() {
        Map<String, Integer> counts = new LinkedHashMap<>();
        nodes.values().stream().sorted(Comparator.comparing(Node::id))
                .forEach(n -> counts.put(n.id(), n.connections()));
        return counts;
    }

    /** Connections each node was told to move, ordered by id. */
    Map<String, Integer> moved() {
        Map<String, Integer> moved = new LinkedHashMap<>();
        nodes.values().stream().sorted(Comparator.comparing(Node::id)).forEach(n -> moved.put(n.id(), n.moved()));
        return moved;
    }

    @Override
    public void close() {
        List<Node> all = new ArrayList<>(nodes.values());
        all.forEach(node -> node.rebalancer().stop());
        registries.close();
    }

    /** One node: its connections, its registry, its rebalancer. */
    record Node(String id, ConnectionsWithFakeSockets sockets, NodeRegistry registry, RedisRebalancer rebalancer) {

        int connections() {
            return sockets.connections().count();
        }

        /** Connections told to move (a {@code reconnect} frame, then closed), each for a rebalance. */
        int moved() {
            List<String> reasons = sockets.reconnectReasons();
            if (reasons.stream().anyMatch(reason -> !reason.equals("rebalance"))) {
                throw new AssertionError("moved for another reason than a rebalance: " + reasons);
            }
            return reasons.size();
        }

        /** Writes its entry (state and connection count as they are now), as its heartbeat would. */
        void beat() {
            RedisNodes.beat(registry);
        }
    }

    /** The scheduler's clock as an instant, from an arbitrary start. */
    private static final class SchedulerClock extends Clock {
        private static final Instant START = Instant.parse("2030-01-01T00:00:00Z");
        private final ManualScheduler scheduler;

        SchedulerClock(ManualScheduler scheduler) {
            this.scheduler = scheduler;
        }

        @Override
        public Instant instant() {
            return START.plusNanos(scheduler.nanoTime());
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }
    }
}
