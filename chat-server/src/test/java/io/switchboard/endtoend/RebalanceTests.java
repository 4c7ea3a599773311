package io.switchboard.endtoend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.switchboard.broker.Broker;
import io.switchboard.protocol.ChatMessage;
import io.switchboard.protocol.FrameCodec;
import io.switchboard.support.Actuator;
import io.switchboard.support.LeastConnections;
import io.switchboard.support.Node;
import io.switchboard.support.ResumingClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntSupplier;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

/**
 * Scale-out: a node joins two busy ones and the cluster evens out, on request and by itself, with
 * clients that reconnect through a least-connections stand-in for the load balancer and lose nothing.
 */
class RebalanceTests extends OnRedis {

    /** The default tolerance: a node may be this many connections above the mean (absolute part). */
    private static final int TOLERANCE = 3;

    /** Blocking test tasks run here, never on the common pool (one thread on two cores), which the JDK's HTTP client needs. */
    private static final Executor BLOCKING = Executors.newVirtualThreadPerTaskExecutor();

    @Override
    protected Node node(String name, String... extra) {
        String[] settings = new String[extra.length + 1];
        settings[0] = "switchboard.rebalance.window=1s";
        System.arraycopy(extra, 0, settings, 1, extra.length);
        return super.node(name, settings);
    }

    @Test
    @SuppressWarnings("unchecked")
    void aRequestedRebalanceEvensOut23And22OverAThirdNode() {
        Node first = node("n1");
        Node second = node("n2");
        List<ResumingClient> clients = new ArrayList<>();
        List<Node> nodes = new ArrayList<>(List.of(first, second));
        LeastConnections balancer = new LeastConnections(nodes);
        // place 23 and 22 by hand, then let the least-connections stand-in route every reconnect
        AtomicReference<IntSupplier> route = new AtomicReference<>();
        for (int i = 0; i < 45; i++) {
            int port = i < 23 ? first.port() : second.port();
            route.set(() -> port);
            clients.add(track(ResumingClient.join("c" + i, "lobby", () -> route.get().getAsInt())));
        }
        route.set(balancer);
        assertThat(List.of(first.connections(), second.connections())).containsExactly(23, 22);
        Node third = node("n3");
        nodes.add(third);
        awaitRegistered(first, 3);

        Traffic traffic = new Traffic(first);
        Actuator.Answer started = Actuator.post(first.managementPort(), "/actuator/rebalance", null);
        assertThat(started.status()).isEqualTo(200);
        assertThat(started.json()).containsEntry("state", "running").containsEntry("startedBy", "n1");
        Map<String, Object> again = Actuator.post(second.managementPort(), "/actuator/rebalance", null).json();
        assertThat(again).containsEntry("id", started.json().get("id"));

        Map<String, Object> result = awaitEnd(second);
        int sent = traffic.stop();

        assertThat(result).containsEntry("state", "balanced");
        for (Node node : nodes) {
            assertThat(node.connections()).as("connections on a node").isBetween(15 - TOLERANCE, 15 + TOLERANCE);
        }
        assertThat(((Map<String, Number>) result.get("shed")).values().stream().mapToLong(Number::longValue).sum())
                .isBetween(15L - TOLERANCE, 15L);
        assertThat((Map<String, Object>) result.get("before")).containsEntry("n1", 23).containsEntry("n2", 22)
                .containsEntry("n3", 0);
        assertEveryClientHasEveryMessage(clients, sent);
    }

    @Test
    void aJoiningNodeRebalancesByItself() {
        Node first = node("n1");
        Node second = node("n2");
        List<Node> nodes = new ArrayList<>(List.of(first, second));
        LeastConnections balancer = new LeastConnections(nodes);
        List<ResumingClient> clients = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            clients.add(track(ResumingClient.join("c" + i, "lobby", balancer)));
        }
        Traffic traffic = new Traffic(first);

        Node third = node("n3", "switchboard.rebalance.auto=true", "switchboard.rebalance.settle-delay=500ms");
        nodes.add(third);

        await("a rebalance started").atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(25))
                .until(() -> !"none".equals(status(first).get("state")));
        Map<String, Object> result = awaitEnd(first);
        int sent = traffic.stop();

        assertThat(result).containsEntry("state", "balanced").containsEntry("startedBy", "n3");
        for (Node node : nodes) {
            assertThat(node.connections()).as("connections on a node").isBetween(10 - TOLERANCE, 10 + TOLERANCE);
        }
        assertEveryClientHasEveryMessage(clients, sent);
    }

    private static Map<String, Object> status(Node node) {
        return Actuator.get(node.managementPort(), "/actuator/rebalance").json();
    }

    private static Map<String, Object> awaitEnd(Node node) {
        await("rebalance ended").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(25))
                .until(() -> !"running".equals(status(node).get("state")));
        return status(node);
    }

    @SuppressWarnings("unchecked")
    private static void awaitRegistered(Node node, int count) {
        await(count + " nodes registered").atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(25))
                .until(() -> ((List<Object>) Actuator.get(node.managementPort(), "/actuator/cluster")
                .json().get("nodes")).size() == count);
    }

    private static void assertEveryClientHasEveryMessage(List<ResumingClient> clients, int sent) {
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(25))
                .untilAsserted(() -> assertThat(clients.stream().allMatch(c -> c.lastOffset() == sent))
                .as(() -> "every client has all " + sent + " messages; behind: "
                        + clients.stream().filter(c -> c.lastOffset() != sent).toList()).isTrue());
        List<Long> expected = LongStream.rangeClosed(1, sent).boxed().toList();
        for (ResumingClient client : clients) {
            assertThat(client.offsets()).containsExactlyElementsOf(expected);
            assertThat(client.duplicates()).isZero();
        }
    }

    /** Messages stored through a node's broker (no WebSocket: it would count as a connection), every 20 ms. */
    private static final class Traffic {
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final AtomicInteger sent = new AtomicInteger();
        private final CompletableFuture<Void> loop;

        Traffic(Node node) {
            Broker broker = node.bean(Broker.class);
            FrameCodec codec = node.bean(FrameCodec.class);
            loop = CompletableFuture.runAsync(() -> {
                while (running.get()) {
                    int n = sent.get() + 1;
                    String body = codec.encodeBody(new ChatMessage("id" + n, "traffic", "Traffic", "m" + n,
                            System.currentTimeMillis(), "m" + n));
                    broker.publish("lobby", "m" + n, body).join();
                    sent.set(n);
                    try {
                        Thread.sleep(20);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }, BLOCKING);
        }

        int stop() {
            running.set(false);
            loop.join();
            return sent.get();
        }
    }
}
