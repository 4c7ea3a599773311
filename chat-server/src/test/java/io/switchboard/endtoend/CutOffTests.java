package io.switchboard.endtoend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.switchboard.cluster.NodeRegistry;
import io.switchboard.support.ChatClient;
import io.switchboard.support.LeastConnections;
import io.switchboard.support.Node;
import io.switchboard.support.ResumingClient;
import io.switchboard.support.TcpProxy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

/**
 * One node's link to Redis cut (a TCP proxy between it and Redis, closed) while a conversation goes
 * on and the other node keeps Redis: the cut node stops taking clients (readiness), moves its own to
 * the node that can serve them, and each resumes there with every message once; once its link is
 * back it takes clients again. (A whole-Redis outage, where clients stay: {@code RedisKilledTests}.)
 */
class CutOffTests extends OnRedis {

    @Test
    void aNodeCutOffFromRedisStopsTakingClientsAndMovesItsOwnToANodeThatCanServeThem() {
        TcpProxy link = track(new TcpProxy(redis.port()));
        Node n1 = node("n1", "spring.data.redis.port=" + link.port(), "switchboard.cluster.cut-off-grace=2s");
        Node n2 = node("n2");
        awaitClusterView(n1, n2);
        await("n1 knows where to ask n2").atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(25))
                .until(() -> n1.bean(NodeRegistry.class).lastSeen().stream()
                .anyMatch(node -> node.id().equals("n2") && !node.management().isEmpty()));
        LeastConnections balancer = new LeastConnections(List.of(n1, n2));
        List<ResumingClient> clients = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            clients.add(track(ResumingClient.join("c" + i, "cut", balancer)));
        }
        assertThat(clients.stream().map(ResumingClient::node).distinct()).containsExactlyInAnyOrder("n1", "n2");
        ChatClient publisher = track(ChatClient.connect(n2.port(), "Publisher"));
        publisher.join("cut");
        AtomicBoolean sending = new AtomicBoolean(true);
        AtomicInteger sent = new AtomicInteger();
        CompletableFuture<Void> traffic = CompletableFuture.runAsync(() -> {
            while (sending.get()) {
                int n = sent.get() + 1;
                publisher.sayUntilStored("cut", "m" + n, "m" + n);
                sent.set(n);
                sleep(20);
            }
        }, Executors.newVirtualThreadPerTaskExecutor());
        await("the conversation going").atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(25))
                .until(() -> sent.get() >= 20);

        link.cut();
        await("n1 refusing new clients").atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(25))
                .until(() -> !n1.isReady());
        await().atMost(Duration.ofSeconds(40)).pollInterval(Duration.ofMillis(25))
                .untilAsserted(() -> assertThat(clients.stream().allMatch(c -> c.isJoined() && "n2".equals(c.node())))
                .as(() -> "every client moved to n2: " + clients).isTrue());
        assertThat(n1.connections()).isZero();
        int before = sent.get();
        await("the conversation going on").atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(25))
                .until(() -> sent.get() >= before + 20);
        sending.set(false);
        traffic.join();

        List<Long> expected = LongStream.rangeClosed(1, sent.get()).boxed().toList();
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(25))
                .untilAsserted(() -> assertThat(clients.stream().allMatch(c -> c.lastOffset() == sent.get()))
                .as(() -> "every client has all " + sent.get() + " messages: " + clients).isTrue());
        for (ResumingClient client : clients) {
            assertThat(client.offsets()).as(client.toString()).containsExactlyElementsOf(expected);
            assertThat(client.duplicates()).isZero();
        }

        link.restore();
        await("n1 taking clients again once it reaches Redis").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(25))
                .until(n1::isReady);
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
