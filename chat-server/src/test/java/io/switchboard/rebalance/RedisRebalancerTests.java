package io.switchboard.rebalance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.switchboard.rebalance.RebalancingCluster.Node;
import io.switchboard.support.RedisServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The contract on a real Redis (two nodes of five connections each: a rebalance there ends balanced
 * at its first round); and what only a cluster has, with two or three nodes on one key prefix, each
 * a real registry and a real {@code Connections} on sockets of the test's ({@link
 * RebalancingCluster}): each node above the mean by more than the tolerance told to shed its excess
 * over the mean and shedding exactly that, counted; a cluster within the tolerance left alone; a
 * drain stopping a rebalance, or keeping one from doing anything; two nodes asked at once running
 * one rebalance (the lock), both answering it; the timeout ending one that cannot converge; Redis
 * gone answered with a status instead of an exception. Rounds run on the test's clock; only the
 * control channel's shed orders are waited for, by their outcome.
 */
class RedisRebalancerTests extends RebalancerContractTests {

    private static RedisServer redis;
    private static RedisClient client;
    private final List<AutoCloseable> clusters = new ArrayList<>();
    private RebalancingCluster contract;

    @BeforeAll
    static void startRedis() {
        redis = RedisServer.create();
        client = client(redis);
    }

    @AfterAll
    static void stopRedis() {
        client.shutdown();
        redis.close();
    }

    /** Fails a command at once while Redis is away, instead of queueing it. */
    private static RedisClient client(RedisServer server) {
        RedisClient created = RedisClient.create(RedisURI.create("127.0.0.1", server.port()));
        created.setOptions(ClientOptions.builder()
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS).build());
        return created;
    }

    @AfterEach
    void stopClusters() throws Exception {
        for (AutoCloseable cluster : clusters.reversed()) {
            cluster.close();
        }
    }

    private RebalancingCluster cluster() {
        return cluster(Map.of());
    }

    private RebalancingCluster cluster(Map<String, String> settings) {
        RebalancingCluster cluster = new RebalancingCluster(client, settings);
        clusters.add(cluster);
        return cluster;
    }

    @Override
    protected Rebalancer createRebalancer() {
        contract = cluster();
        Node a = contract.join("node-a", 5);
        contract.join("node-b", 5);
        return a.rebalancer();
    }

    @Override
    protected boolean runsRebalances() {
        return true;
    }

    @Override
    protected void runToTheEnd() {
        contract.runDue();
    }

    @Test
    void eachNodeAboveTheMeanByMoreThanTheToleranceShedsExactlyItsExcess() {
        RebalancingCluster cluster = cluster();
        cluster.join("node-a", 23);
        cluster.join("node-b", 22);
        Node c = cluster.join("node-c", 0);

        RebalanceStatus started = c.rebalancer().start("scale-out");
        assertThat(started.before()).containsExactly(Map.entry("node-a", 23), Map.entry("node-b", 22),
                Map.entry("node-c", 0));
        cluster.runDue();
        cluster.awaitShed(Map.of("node-a", 8L, "node-b", 7L));

        assertThat(cluster.moved()).as("each its excess over the mean 15")
                .containsExactly(Map.entry("node-a", 8), Map.entry("node-b", 7), Map.entry("node-c", 0));
        assertThat(cluster.connections()).containsExactly(Map.entry("node-a", 15), Map.entry("node-b", 15),
                Map.entry("node-c", 0));
        cluster.landOnTheEmptiest(15);
        RebalanceStatus ended = cluster.awaitEnd();

        assertThat(ended.id()).isEqualTo(started.id());
        assertThat(ended.state()).isEqualTo("balanced");
        assertThat(ended.reason()).isEqualTo("scale-out; every ready node is within 3 of the mean 15");
        assertThat(ended.startedBy()).isEqualTo("node-c");
        assertThat(ended.rounds()).isEqualTo(1);
        assertThat(ended.after()).containsExactly(Map.entry("node-a", 15), Map.entry("node-b", 15),
                Map.entry("node-c", 15));
        assertThat(ended.shed()).containsOnly(Map.entry("node-a", 8L), Map.entry("node-b", 7L));
        assertThat(cluster.moved()).as("nobody told twice")
                .containsExactly(Map.entry("node-a", 8), Map.entry("node-b", 7), Map.entry("node-c", 0));
    }

    @Test
    void aNodeWithinTheToleranceKeepsItsConnectionsWhileAnOverNodeSheds() {
        RebalancingCluster cluster = cluster();
        Node a = cluster.join("node-a", 28);
        cluster.join("node-b", 17); // 2 above the mean 15: within 3
        cluster.join("node-c", 0);

        a.rebalancer().start("scale-out");
        cluster.runDue();
        cluster.awaitShed(Map.of("node-a", 13L));
        cluster.landOnTheEmptiest(13);
        RebalanceStatus ended = cluster.awaitEnd();

        assertThat(ended.state()).isEqualTo("balanced");
        assertThat(ended.rounds()).isEqualTo(1);
        assertThat(cluster.moved()).containsExactly(Map.entry("node-a", 13), Map.entry("node-b", 0),
                Map.entry("node-c", 0));
        assertThat(ended.after()).containsExactly(Map.entry("node-a", 15), Map.entry("node-b", 17),
                Map.entry("node-c", 13));
    }

    @Test
    void aNodeFarBelowTheMeanWhileNoneIsFarAboveItTakesTheExcessOfTheNodesAboveIt() {
        RebalancingCluster cluster = cluster();
        Node a = cluster.join("node-a", 17); // where a round-robin balancer can leave a scale-out: each within 3
        cluster.join("node-b", 17);
        cluster.join("node-c", 11); // 4 below the mean 15

        a.rebalancer().start("scale-out");
        cluster.runDue();
        cluster.awaitShed(Map.of("node-a", 2L, "node-b", 2L));
        cluster.landOnTheEmptiest(4);
        RebalanceStatus ended = cluster.awaitEnd();

        assertThat(ended.state()).isEqualTo("balanced");
        assertThat(ended.reason()).isEqualTo("scale-out; every ready node is within 3 of the mean 15");
        assertThat(ended.rounds()).isEqualTo(1);
        assertThat(ended.after()).containsExactly(Map.entry("node-a", 15), Map.entry("node-b", 15),
                Map.entry("node-c", 15));
    }

    @Test
    void aClusterWithinTheToleranceEndsBalancedWithoutMovingAnyone() {
        RebalancingCluster cluster = cluster();
        Node a = cluster.join("node-a", 13); // exactly the tolerance above the mean 10: within it
        cluster.join("node-b", 10);
        cluster.join("node-c", 7);

        RebalanceStatus started = a.rebalancer().start("requested");
        cluster.runDue();

        RebalanceStatus ended = a.rebalancer().status();
        assertThat(ended.id()).isEqualTo(started.id());
        assertThat(ended.state()).isEqualTo("balanced");
        assertThat(ended.reason()).isEqualTo("requested; every ready node is within 3 of the mean 10");
        assertThat(ended.rounds()).as("no node told to shed").isZero();
        assertThat(ended.shed()).isEmpty();
        assertThat(ended.after()).isEqualTo(ended.before());
        assertThat(cluster.moved()).containsOnly(Map.entry("node-a", 0), Map.entry("node-b", 0),
                Map.entry("node-c", 0));
        assertThat(cluster.scheduler.pending()).as("no further round").isZero();
    }

    @Test
    void aRebalanceStartedWhileANodeDrainsStopsBeforeTellingAnyoneToShed() {
        RebalancingCluster cluster = cluster();
        Node a = cluster.join("node-a", 30);
        cluster.join("node-b", 0);
        Node c = cluster.join("node-c", 20);
        assertThat(c.registry().tryDrain(1, false)).isEmpty();

        a.rebalancer().start("scale-out");
        cluster.runDue();

        RebalanceStatus ended = a.rebalancer().status();
        assertThat(ended.state()).isEqualTo("stopped");
        assertThat(ended.reason()).isEqualTo("scale-out; a node is draining");
        assertThat(ended.rounds()).as("no node told to shed").isZero();
        assertThat(ended.shed()).isEmpty();
        assertThat(ended.before()).as("a draining node does not count").containsOnlyKeys("node-a", "node-b");
        assertThat(cluster.moved()).containsOnly(Map.entry("node-a", 0), Map.entry("node-b", 0),
                Map.entry("node-c", 0));
    }

    @Test
    void aDrainStartedDuringARebalanceStopsItAtItsNextRound() {
        RebalancingCluster cluster = cluster();
        Node a = cluster.join("node-a", 23);
        Node b = cluster.join("node-b", 22);
        cluster.join("node-c", 0);

        RebalanceStatus started = a.rebalancer().start("scale-out");
        cluster.runDue();
        cluster.awaitShed(Map.of("node-a", 8L, "node-b", 7L));
        assertThat(b.registry().tryDrain(1, false)).isEmpty();
        RebalanceStatus ended = cluster.awaitEnd();

        assertThat(ended.id()).isEqualTo(started.id());
        assertThat(ended.state()).isEqualTo("stopped");
        assertThat(ended.reason()).isEqualTo("scale-out; a node is draining");
        assertThat(ended.rounds()).isEqualTo(1);
        assertThat(ended.after()).as("the ready nodes").containsOnlyKeys("node-a", "node-c");
        assertThat(cluster.moved()).as("nothing more than the first round's sheds")
                .containsExactly(Map.entry("node-a", 8), Map.entry("node-b", 7), Map.entry("node-c", 0));

        RebalanceStatus again = a.rebalancer().start("again");
        assertThat(again.id()).as("the lock was released").isNotEqualTo(started.id());
        cluster.runDue();
        assertThat(a.rebalancer().status().state()).as("still draining").isEqualTo("stopped");
    }

    @Test
    void twoNodesAskedAtOnceRunOneRebalance() throws Exception {
        RebalancingCluster cluster = cluster();
        Node a = cluster.join("node-a", 23);
        Node b = cluster.join("node-b", 22);
        cluster.join("node-c", 0);

        CountDownLatch go = new CountDownLatch(1);
        List<RebalanceStatus> answers;
        try (ExecutorService twoThreads = Executors.newFixedThreadPool(2)) {
            CompletableFuture<RebalanceStatus> byA = CompletableFuture.supplyAsync(() -> startOn(a, go), twoThreads);
            CompletableFuture<RebalanceStatus> byB = CompletableFuture.supplyAsync(() -> startOn(b, go), twoThreads);
            go.countDown();
            answers = List.of(byA.get(10, TimeUnit.SECONDS), byB.get(10, TimeUnit.SECONDS));
        }

        RebalanceStatus running = a.rebalancer().status();
        assertThat(running.state()).isEqualTo("running");
        assertThat(answers).as("one started it, the other answers it").extracting(RebalanceStatus::id)
                .containsOnly(running.id());
        assertThat(answers).extracting(RebalanceStatus::state).containsOnly("running");
        cluster.runDue();
        cluster.awaitShed(Map.of("node-a", 8L, "node-b", 7L));
        cluster.landOnTheEmptiest(15);
        RebalanceStatus ended = cluster.awaitEnd();

        assertThat(ended.id()).isEqualTo(running.id());
        assertThat(ended.state()).isEqualTo("balanced");
        assertThat(ended.rounds()).isEqualTo(1);
        assertThat(cluster.moved()).as("told once, by one rebalance")
                .containsExactly(Map.entry("node-a", 8), Map.entry("node-b", 7), Map.entry("node-c", 0));
        assertThat(cluster.connections()).containsOnly(Map.entry("node-a", 15), Map.entry("node-b", 15),
                Map.entry("node-c", 15));
    }

    private static RebalanceStatus startOn(Node node, CountDownLatch go) {
        try {
            go.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        return node.rebalancer().start("asked of " + node.id());
    }

    @Test
    void theTimeoutEndsARebalanceThatCannotConverge() {
        RebalancingCluster cluster = cluster();
        Node a = cluster.join("node-a", 30);
        cluster.join("node-b", 0);

        RebalanceStatus started = a.rebalancer().start("scale-out");
        long shed = 0;
        while (a.rebalancer().status().running()) {
            cluster.runDue();
            if (a.rebalancer().status().rounds() * 15L > shed) {
                shed += 15;
                cluster.awaitShed(Map.of("node-a", shed));
                a.sockets().open(15); // a balancer that sends every shed client back to where it was
                a.beat();
            }
            cluster.scheduler.advance(RebalancingCluster.HEARTBEAT);
        }
        RebalanceStatus ended = a.rebalancer().status();

        assertThat(ended.id()).isEqualTo(started.id());
        assertThat(ended.state()).isEqualTo("timed-out");
        assertThat(ended.reason()).isEqualTo("scale-out; not balanced within switchboard.rebalance.timeout");
        assertThat(ended.rounds()).as("told to shed round after round").isGreaterThan(1);
        assertThat(Duration.between(ended.startedAt(), ended.endedAt())).isGreaterThan(RebalancingCluster.TIMEOUT);
        assertThat(ended.shed()).containsOnly(Map.entry("node-a", 15L * ended.rounds()));
        assertThat(a.rebalancer().start("again").id()).as("the lock was released").isNotEqualTo(started.id());
    }

    @Test
    void answersAStatusInsteadOfFailingWhileRedisIsAway() {
        RedisServer own = RedisServer.create();
        RedisClient ownClient = client(own);
        clusters.add(() -> {
            ownClient.shutdown();
            own.close();
        });
        RebalancingCluster cluster = new RebalancingCluster(ownClient, Map.of());
        clusters.add(cluster);
        Node a = cluster.join("node-a", 30);
        cluster.join("node-b", 0);

        own.stop();

        assertThatCode(() -> {
            RebalanceStatus refused = a.rebalancer().start("scale-out");
            assertThat(refused.state()).isEqualTo("unknown");
            assertThat(refused.reason()).startsWith("Redis cannot be reached");
            assertThat(refused.id()).isNull();
            RebalanceStatus status = a.rebalancer().status();
            assertThat(status.state()).isEqualTo("unknown");
            assertThat(status.reason()).startsWith("Redis cannot be reached");
        }).doesNotThrowAnyException();
        cluster.runDue();
        assertThat(cluster.moved()).containsOnly(Map.entry("node-a", 0), Map.entry("node-b", 0));
    }
}
