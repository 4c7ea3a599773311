package io.switchboard.endtoend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.switchboard.support.PresenceFrames;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.switchboard.protocol.CloseCodes;
import io.switchboard.support.Actuator;
import io.switchboard.support.ChatClient;
import io.switchboard.support.LeastConnections;
import io.switchboard.support.Node;
import io.switchboard.support.NodeProcess;
import io.switchboard.support.ResumingClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

/** Drains on a cluster of real nodes on one real Redis, with real WebSocket clients that resume. */
class DrainTests extends OnRedis {

    /** Blocking test tasks run here, never on the common pool (one thread on two cores), which the JDK's HTTP client needs. */
    private static final Executor BLOCKING = Executors.newVirtualThreadPerTaskExecutor();


    @Test
    void drainMovesEverySessionToTheOtherNodesAndNoMessageIsLostOrShownTwice() {
        List<Node> nodes = List.of(node("n1"), node("n2"), node("n3"));
        Node drained = nodes.getFirst();
        LeastConnections balancer = new LeastConnections(nodes);
        List<ResumingClient> listeners = new ArrayList<>();
        for (int i = 0; i < 24; i++) {
            listeners.add(track(ResumingClient.join("listener" + i, "steady", balancer)));
        }
        List<ResumingClient> onDrained = listeners.stream().filter(c -> c.port() == drained.port()).toList();
        assertThat(onDrained).hasSize(8);
        ChatClient publisher = track(ChatClient.connect(nodes.get(1).port(), "Publisher"));
        publisher.join("steady");

        int total = 200;
        CompletableFuture<Void> publishing = CompletableFuture.runAsync(() -> {
            for (int i = 1; i <= total; i++) {
                publisher.send(Map.of("type", "send", "room", "steady", "text", "m" + i, "clientMsgId", "m" + i));
                sleep(10);
            }
        }, BLOCKING);
        await("traffic flowing").atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(25))
                .until(() -> listeners.getFirst().lastOffset() >= 40);
        Actuator.Answer started = Actuator.post(drained.managementPort(), "/actuator/drain", Map.of("window", "1s"));
        assertThat(started.status()).isEqualTo(200);
        publishing.join();

        await("node drained").atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(25))
                .until(() -> drained.connections() == 0
                && "drained".equals(Actuator.get(drained.managementPort(), "/actuator/drain").json().get("state")));
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(25))
                .untilAsserted(() -> assertThat(listeners.stream().allMatch(c -> c.lastOffset() == total))
                .as(() -> "every listener has every message; behind: "
                        + listeners.stream().filter(c -> c.lastOffset() != total).toList()).isTrue());
        List<Long> expected = LongStream.rangeClosed(1, total).boxed().toList();
        for (ResumingClient listener : listeners) {
            assertThat(listener.offsets()).containsExactlyElementsOf(expected);
            assertThat(listener.duplicates()).isZero();
            assertThat(listener.gaps()).isZero();
            assertThat(listener.port()).isNotEqualTo(drained.port());
        }
        assertThat(onDrained).allSatisfy(c -> assertThat(c.moves()).isEqualTo(1));
        assertThat(nodes.get(1).connections() + nodes.get(2).connections()).isEqualTo(listeners.size() + 1);
        List<Long> moveMillis = onDrained.stream().flatMap(c -> c.moveMillis().stream()).sorted().toList();
        System.out.println("Drain of " + onDrained.size() + " sessions: reconnect ms " + moveMillis);
    }

    @Test
    void aSecondDrainIsRefusedWhileOneRunsUnlessForced() {
        String[] slow = {"switchboard.drain.health-check-wait=60s"};
        Node first = node("n1", slow);
        Node second = node("n2", slow);
        node("n3", slow);

        assertThat(Actuator.post(first.managementPort(), "/actuator/drain", null).status()).isEqualTo(200);
        Actuator.Answer refused = Actuator.post(second.managementPort(), "/actuator/drain", null);

        assertThat(refused.status()).isEqualTo(409);
        assertThat((String) refused.json().get("error")).contains("another node is draining (n1)");
        assertThat(second.isReady()).isTrue();
        Actuator.Answer forced = Actuator.post(second.managementPort(), "/actuator/drain", Map.of("force", true));
        assertThat(forced.status()).isEqualTo(200);
        assertThat(forced.json()).containsEntry("state", "draining");
        assertThat(second.isReady()).isFalse();

        Actuator.delete(first.managementPort(), "/actuator/drain");
        Actuator.delete(second.managementPort(), "/actuator/drain");
        assertThat(first.isReady()).isTrue();
        assertThat(Actuator.post(second.managementPort(), "/actuator/drain", null).status()).isEqualTo(200);
    }

    @Test
    void aDrainThatWouldLeaveNoReadyNodeIsRefused() {
        String[] twoAtOnce = {"switchboard.drain.health-check-wait=60s", "switchboard.drain.max-concurrent=2"};
        Node first = node("n1", twoAtOnce);
        Node second = node("n2", twoAtOnce);
        assertThat(Actuator.post(first.managementPort(), "/actuator/drain", null).status()).isEqualTo(200);

        Actuator.Answer refused = Actuator.post(second.managementPort(), "/actuator/drain", null);

        assertThat(refused.status()).isEqualTo(409);
        assertThat((String) refused.json().get("error")).contains("no other node is ready");
    }

    @Test
    @SuppressWarnings("unchecked")
    void closingANodeDrainsItAndRemovesItsMembersFromPresenceAtOnce() {
        // a TTL far longer than the test: only a clean stop can remove the members
        String[] longTtl = {"switchboard.cluster.ttl=120s"};
        Node leaving = node("leaving", longTtl);
        Node staying = node("staying", longTtl);
        ChatClient ada = ChatClient.connect(leaving.port(), "Ada");
        ada.join("bye");
        ChatClient bob = track(ChatClient.connect(staying.port(), "Bob"));
        bob.join("bye");

        leaving.close();

        assertThat(ada.await("reconnect")).containsEntry("reason", "shutdown");
        assertThat(ada.closeCode()).isEqualTo(CloseCodes.SERVICE_RESTART);
        assertThat(bob.await(f -> PresenceFrames.announces(f, "leave", "name", "Ada"))).isNotNull();
        assertThat(presenceNames("bye")).containsExactly("Bob");
        assertThat((List<Map<String, Object>>) Actuator.get(staying.managementPort(), "/actuator/cluster").json().get("nodes"))
                .extracting(n -> n.get("id")).containsExactly("staying");
    }

    @Test
    @SuppressWarnings("unchecked")
    void sigtermDrainsARealProcessBeforeItStops() {
        Node staying = node("staying", "switchboard.cluster.ttl=120s");
        NodeProcess process = track(process("doomed", "switchboard.cluster.ttl=120s"));
        ChatClient ada = ChatClient.connect(process.port(), "Ada");
        ada.join("term");
        ChatClient bob = track(ChatClient.connect(staying.port(), "Bob"));
        bob.join("term");

        process.terminate();

        assertThat(ada.await("reconnect")).containsEntry("reason", "shutdown");
        assertThat(ada.closeCode()).isEqualTo(CloseCodes.SERVICE_RESTART);
        process.awaitExit(Duration.ofSeconds(30));
        assertThat(bob.await(f -> PresenceFrames.announces(f, "leave", "name", "Ada"))).isNotNull();
        assertThat(presenceNames("term")).containsExactly("Bob");
        assertThat(process.log()).contains("Draining (shutdown)").doesNotContain("Invocation of close method failed")
                .doesNotContain("has been STOPPED");
    }

    @Test
    void twoSigtermsAtOnceDrainOneNodeAfterTheOther() {
        node("staying");
        String[] paced = {"switchboard.drain.health-check-wait=1s", "switchboard.drain.window=1s"};
        List<NodeProcess> processes = List.of(track(process("p1", paced)), track(process("p2", paced)));
        Map<NodeProcess, List<CompletableFuture<Long>>> reconnectsAt = new LinkedHashMap<>();
        for (NodeProcess process : processes) {
            List<CompletableFuture<Long>> times = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                ChatClient client = track(ChatClient.connect(process.port(), "c" + i));
                times.add(CompletableFuture.supplyAsync(() -> {
                    client.await("reconnect");
                    return System.nanoTime();
                }, BLOCKING));
            }
            reconnectsAt.put(process, times);
        }

        processes.forEach(NodeProcess::terminate);
        processes.forEach(p -> p.awaitExit(Duration.ofSeconds(30)));

        List<List<Long>> perNode = reconnectsAt.values().stream()
                .map(times -> times.stream().map(CompletableFuture::join).sorted().toList()).toList();
        List<Long> first = perNode.get(0).getFirst() < perNode.get(1).getFirst() ? perNode.get(0) : perNode.get(1);
        List<Long> second = first == perNode.get(0) ? perNode.get(1) : perNode.get(0);
        assertThat(first.getLast()).as("every session of the first node moved before any of the second")
                .isLessThan(second.getFirst());
        assertThat(processes.stream().map(NodeProcess::log)).anyMatch(log -> log.contains("Shutdown waits before draining"));
    }

    @Test
    @SuppressWarnings("unchecked")
    void clusterViewListsEveryNodeAndDropsAKilledOneAfterTheTtl() {
        Node survivor = node("survivor");
        NodeProcess doomed = track(process("doomed"));
        ChatClient client = track(ChatClient.connect(doomed.port(), "Ghost"));
        client.join("view");
        await("doomed listed with its connection").atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(25))
                .until(() -> ((List<Map<String, Object>>) Actuator.get(survivor.managementPort(),
                "/actuator/cluster").json().get("nodes")).stream()
                .anyMatch(n -> "doomed".equals(n.get("id")) && ((Number) n.get("connections")).intValue() == 1));
        List<Map<String, Object>> nodes = (List<Map<String, Object>>) Actuator.get(survivor.managementPort(),
                "/actuator/cluster").json().get("nodes");
        assertThat(nodes).extracting(n -> n.get("id") + ":" + n.get("state")).containsExactly("doomed:ready", "survivor:ready");
        assertThat(nodes.getFirst()).containsKeys("version", "address", "startedAt", "heartbeatAt");

        doomed.kill();

        await("killed node dropped after the TTL").atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(25))
                .until(() -> ((List<Map<String, Object>>) Actuator.get(survivor.managementPort(),
                "/actuator/cluster").json().get("nodes")).size() == 1);
    }

    private NodeProcess process(String name, String... extra) {
        Map<String, String> properties = new LinkedHashMap<>(Node.redisProperties(redis.port(), prefix, name));
        properties.put("server.port", Integer.toString(NodeProcess.freePort()));
        properties.put("management.server.port", Integer.toString(NodeProcess.freePort()));
        properties.put("switchboard.drain.health-check-wait", "0s");
        properties.put("switchboard.drain.window", "300ms");
        properties.put("switchboard.rebalance.auto", "false");
        for (String pair : extra) {
            int eq = pair.indexOf('=');
            properties.put(pair.substring(0, eq), pair.substring(eq + 1));
        }
        return new NodeProcess(properties);
    }

    private List<String> presenceNames(String room) {
        RedisClient raw = RedisClient.create(RedisURI.create("127.0.0.1", redis.port()));
        try (var connection = raw.connect()) {
            return connection.sync().hvals(prefix + "{" + room + "}:presence").stream()
                    .map(json -> json.replaceAll(".*\"name\":\"([^\"]*)\".*", "$1")).toList();
        } finally {
            raw.shutdown();
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
