package io.switchboard.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.lettuce.core.ClientOptions;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.switchboard.redis.RedisCommandConnection;
import io.switchboard.redis.RedisKeys;
import io.switchboard.support.RedisServer;
import io.switchboard.support.Unique;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceClientConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.StringRedisTemplate;

/**
 * The contract on a real Redis, the heartbeat called directly; and what only a cluster has, with
 * several registries (nodes) on one key prefix: every live node listed in order, a silent node
 * dropped after the TTL and exactly one survivor told, a clean stop leaving at once, the drain
 * rules between nodes checked and applied in one atomic step, the rebalance lock seen by the
 * heartbeat, and the last view kept while Redis cannot be reached.
 */
class RedisNodeRegistryTests extends NodeRegistryContractTests {

    private static final Duration TTL = Duration.ofSeconds(10);

    private static RedisServer redis;
    private static LettuceConnectionFactory connectionFactory;
    private static StringRedisTemplate template;
    /** This test's own key prefix: the nodes of one test share it, no other test sees them. */
    private final String prefix = Unique.prefix("test");
    private final List<RedisNodeRegistry> started = new ArrayList<>();

    @BeforeAll
    static void startRedis() {
        redis = RedisServer.create();
        connectionFactory = connectionFactory(redis);
        template = new StringRedisTemplate(connectionFactory);
    }

    @AfterAll
    static void stopRedis() {
        connectionFactory.destroy();
        redis.close();
    }

    @AfterEach
    void stopRegistries() {
        started.forEach(RedisNodeRegistry::stop);
    }

    /** Fails a command at once while Redis is away, instead of queueing it. */
    private static LettuceConnectionFactory connectionFactory(RedisServer server) {
        LettuceConnectionFactory factory = new LettuceConnectionFactory(
                new RedisStandaloneConfiguration("127.0.0.1", server.port()),
                LettuceClientConfiguration.builder().commandTimeout(Duration.ofSeconds(2))
                        .clientOptions(ClientOptions.builder()
                                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS).build())
                        .build());
        factory.afterPropertiesSet();
        factory.start();
        return factory;
    }

    @Override
    protected NodeRegistry createRegistry(String id) {
        return node(id, "");
    }

    private RedisNodeRegistry node(String id, String management) {
        return node(connectionFactory, id, management);
    }

    /** A node of this test's cluster; its heartbeat runs only when the test calls it (or every hour once started). */
    private RedisNodeRegistry node(LettuceConnectionFactory redisFactory, String id, String management) {
        return new RedisNodeRegistry(RedisCommandConnection.open(redisFactory.getRequiredNativeClient()),
                new RedisKeys(prefix), id, VERSION, () -> ADDRESS, () -> management, connections::get,
                Duration.ofHours(1), TTL, clock, new SimpleMeterRegistry());
    }

    @Override
    protected void heartbeat(NodeRegistry registry) {
        ((RedisNodeRegistry) registry).beat().join();
    }

    @Override
    protected boolean refusesALoneNodesDrain() {
        return true;
    }

    @Test
    void listsEveryLiveNodeOrderedById() {
        RedisNodeRegistry c = node("node-c", "10.0.0.3:8081");
        RedisNodeRegistry a = node("node-a", "10.0.0.1:8081");
        RedisNodeRegistry b = (RedisNodeRegistry) registry;
        c.beat().join();
        a.beat().join();
        b.beat().join();

        for (NodeRegistry any : List.of(a, b, c)) {
            assertThat(any.nodes()).extracting(NodeView::id).containsExactly("node-a", "node-b", "node-c");
        }
        assertThat(a.nodes().getFirst().management()).isEqualTo("10.0.0.1:8081");
        assertThat(b.lastSeen()).as("the last to beat saw all").extracting(NodeView::id)
                .containsExactly("node-a", "node-b", "node-c");
        assertThat(c.liveNodeIds()).as("the first to beat saw only itself").containsExactly("node-c");
        c.beat().join();
        assertThat(c.liveNodeIds()).containsExactlyInAnyOrder("node-a", "node-b", "node-c");
    }

    @Test
    void aSilentNodeDropsOutAfterTheTtlAndExactlyOneSurvivorIsTold() {
        RedisNodeRegistry a = node("node-a", "");
        RedisNodeRegistry b = (RedisNodeRegistry) registry;
        RedisNodeRegistry c = node("node-c", "");
        List<String> told = new CopyOnWriteArrayList<>();
        for (RedisNodeRegistry node : List.of(b, c)) {
            node.addListener(new NodeListener() {
                @Override
                public void nodeDied(String dead) {
                    told.add(node.self() + " heard " + dead);
                }
            });
        }
        a.beat().join();
        b.beat().join();
        c.beat().join();

        clock.advance(TTL.minusMillis(1)); // a is silent, but not for long enough
        b.beat().join();
        c.beat().join();
        assertThat(told).isEmpty();
        assertThat(b.nodes()).extracting(NodeView::id).contains("node-a");

        clock.advance(Duration.ofMillis(2));
        assertThat(b.nodes()).as("gone from the view once its ttl passed").extracting(NodeView::id)
                .containsExactly("node-b", "node-c");
        b.beat().join();
        c.beat().join();
        b.beat().join();
        assertThat(told).containsExactly("node-b heard node-a");
        assertThat(c.liveNodeIds()).containsExactlyInAnyOrder("node-b", "node-c");
    }

    @Test
    void startingBeatsAtOnceAndACleanStopLeavesAtOnce() {
        RedisNodeRegistry a = node("node-a", "");
        RedisNodeRegistry b = (RedisNodeRegistry) registry;
        b.beat().join();

        a.start();
        started.add(a);
        await("the first heartbeat runs when the registry starts").atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(25))
                .until(() -> b.nodes().stream().anyMatch(node -> node.id().equals("node-a")));
        assertThat(a.isRunning()).isTrue();

        started.remove(a);
        a.stop();
        assertThat(a.isRunning()).isFalse();
        assertThat(b.nodes()).as("without waiting for the ttl").extracting(NodeView::id).containsExactly("node-b");
    }

    @Test
    void tellsItsListenersWhenItsOwnEntryWasMissing() {
        RedisNodeRegistry b = (RedisNodeRegistry) registry;
        List<String> told = new CopyOnWriteArrayList<>();
        b.addListener(new NodeListener() {
            @Override
            public void registered() {
                told.add("registered");
            }
        });

        b.beat().join();
        b.beat().join();
        assertThat(told).as("new: told once").hasSize(1);

        template.delete(List.of(prefix + "{cluster}:nodes", prefix + "{cluster}:node-info")); // Redis lost its data
        b.beat().join();
        assertThat(told).hasSize(2);
        assertThat(b.nodes()).extracting(NodeView::id).containsExactly("node-b");
    }

    @Test
    void drainsAtMostMaxConcurrentNodesAndLeavesOneReady() {
        RedisNodeRegistry a = node("node-a", "");
        RedisNodeRegistry b = (RedisNodeRegistry) registry;
        RedisNodeRegistry c = node("node-c", "");
        a.beat().join();
        b.beat().join();
        c.beat().join();

        assertThat(b.tryDrain(1, false)).as("two others ready").isEmpty();
        Optional<NodeRegistry.DrainRefusal> busy = a.tryDrain(1, false);
        assertThat(busy).hasValueSatisfying(why -> {
            assertThat(why.othersDraining()).as("waiting helps").isTrue();
            assertThat(why.reason()).contains("node-b");
        });
        assertThat(a.state()).isEqualTo(NodeState.READY);
        assertThat(a.nodes()).extracting(NodeView::state)
                .containsExactly(NodeState.READY, NodeState.DRAINING, NodeState.READY);

        assertThat(a.tryDrain(2, false)).as("two may drain at once, and c stays ready").isEmpty();
        assertThat(c.tryDrain(3, false)).as("nobody left ready")
                .hasValueSatisfying(why -> assertThat(why.othersDraining()).isFalse());
        assertThat(c.tryDrain(3, true)).as("unless forced").isEmpty();
        assertThat(c.nodes()).extracting(NodeView::state).containsOnly(NodeState.DRAINING);
    }

    @Test
    void aDrainedNodeIsNoLongerReadyToTakeSessions() {
        RedisNodeRegistry a = node("node-a", "");
        RedisNodeRegistry b = (RedisNodeRegistry) registry;
        a.beat().join();
        b.beat().join();

        a.setState(NodeState.DRAINED);
        assertThat(b.tryDrain(1, false)).as("a drained node neither drains nor takes sessions")
                .hasValueSatisfying(why -> assertThat(why.othersDraining()).isFalse());
        a.setState(NodeState.READY);
        assertThat(b.tryDrain(1, false)).isEmpty();
    }

    @Test
    void onlyLiveNodesCountForTheDrainRules() {
        RedisNodeRegistry a = node("node-a", "");
        RedisNodeRegistry b = (RedisNodeRegistry) registry;
        RedisNodeRegistry c = node("node-c", "");
        a.beat().join();
        c.beat().join();
        c.setState(NodeState.DRAINING);
        clock.advance(TTL.plusSeconds(1)); // a and c fell silent: one was ready, one draining
        b.beat().join();

        assertThat(b.tryDrain(1, false)).as("a dead ready node takes no sessions, a dead draining one blocks nobody")
                .hasValueSatisfying(why -> assertThat(why.othersDraining()).isFalse());
        a.beat().join();
        assertThat(b.tryDrain(1, false)).isEmpty();
    }

    @Test
    void twoNodesAskedAtTheSameMomentCannotBothDrain() throws Exception {
        RedisNodeRegistry a = node("node-a", "");
        RedisNodeRegistry b = (RedisNodeRegistry) registry;
        RedisNodeRegistry c = node("node-c", "");
        a.beat().join();
        b.beat().join();
        c.beat().join();

        for (int round = 0; round < 50; round++) {
            a.setState(NodeState.READY);
            b.setState(NodeState.READY);
            CountDownLatch go = new CountDownLatch(1);
            List<CompletableFuture<Boolean>> allowed = new ArrayList<>();
            for (RedisNodeRegistry node : List.of(a, b)) {
                CompletableFuture<Boolean> answer = new CompletableFuture<>();
                allowed.add(answer);
                Thread.ofPlatform().start(() -> {
                    try {
                        go.await();
                        answer.complete(node.tryDrain(1, false).isEmpty());
                    } catch (Throwable e) {
                        answer.completeExceptionally(e);
                    }
                });
            }
            go.countDown();
            long passed = 0;
            for (CompletableFuture<Boolean> answer : allowed) {
                passed += answer.get(10, TimeUnit.SECONDS) ? 1 : 0;
            }
            assertThat(passed).as("round %d", round).isEqualTo(1);
            assertThat(c.nodes()).extracting(NodeView::state).filteredOn(NodeState.DRAINING::equals).hasSize(1);
        }
    }

    /**
     * A heartbeat every millisecond, so that one is often on its way while the drain's script is:
     * read on the node's own connection right after the drain began, so after any heartbeat issued
     * before, the entry must say draining (a heartbeat that took the state before the drain and
     * reached Redis after it showed the node ready, and let a second node stopped at the same moment
     * drain too: DrainTests' two SIGTERMs).
     */
    @Test
    void aHeartbeatOnItsWayWhenADrainBeginsDoesNotShowTheNodeReadyAgain() {
        RedisCommandConnection connection = RedisCommandConnection.open(connectionFactory.getRequiredNativeClient());
        RedisNodeRegistry a = new RedisNodeRegistry(connection, new RedisKeys(prefix), "node-a", VERSION, () -> ADDRESS,
                () -> "", connections::get, Duration.ofMillis(1), TTL, clock, new SimpleMeterRegistry());
        ((RedisNodeRegistry) registry).beat().join();
        a.start();
        started.add(a);

        for (int round = 0; round < 300; round++) {
            a.setState(NodeState.READY);
            assertThat(a.tryDrain(1, false)).as("round %d", round).isEmpty();
            String entry = connection.commands().hget(new RedisKeys(prefix).nodeInfo(), "node-a").toCompletableFuture().join();
            assertThat(entry).as("round %d", round).contains("\"draining\"");
        }
    }

    @Test
    void seesARebalanceRunningAsTheLastHeartbeatSawIt() {
        RedisNodeRegistry b = (RedisNodeRegistry) registry;
        b.beat().join();
        template.opsForValue().set(prefix + "{cluster}:rebalance:lock", "node-a");
        assertThat(b.rebalancing()).as("not before the next heartbeat").isFalse();

        b.beat().join();
        assertThat(b.rebalancing()).isTrue();
        template.delete(prefix + "{cluster}:rebalance:lock");
        b.beat().join();
        assertThat(b.rebalancing()).isFalse();
    }

    @Test
    void keepsTheLastViewWhileRedisCannotBeReached() {
        try (RedisServer own = RedisServer.create()) {
            LettuceConnectionFactory factory = connectionFactory(own);
            try {
                RedisNodeRegistry a = node(factory, "node-a", "");
                RedisNodeRegistry b = node(factory, "node-b", "");
                a.beat().join();
                b.beat().join();
                List<NodeView> seen = b.lastSeen();

                own.stop();
                clock.advance(TTL.multipliedBy(3));
                assertThatThrownBy(() -> b.beat().join()).isInstanceOf(RuntimeException.class);
                b.setState(NodeState.DRAINING); // its write fails too, and it says nothing

                assertThat(b.lastSeen()).isEqualTo(seen).extracting(NodeView::id).containsExactly("node-a", "node-b");
                assertThat(b.liveNodeIds()).containsExactlyInAnyOrder("node-a", "node-b");
                assertThat(b.state()).isEqualTo(NodeState.DRAINING);
            } finally {
                factory.destroy();
            }
        }
    }
}
