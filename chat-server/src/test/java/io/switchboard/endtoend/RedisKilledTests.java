package io.switchboard.endtoend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.switchboard.support.ChatClient;
import io.switchboard.support.Node;
import io.switchboard.support.RedisServer;
import io.switchboard.support.Unique;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * Redis killed (SIGKILL) for 30 seconds while a client keeps sending, then started again from its
 * append-only file: the nodes ride it out, their health goes DOWN and UP, a client that left during
 * the outage resumes without a gap, and every acknowledged message reaches every member once.
 */
class RedisKilledTests {

    private static final Duration OUTAGE = Duration.ofSeconds(30);

    @Test
    void thirtySecondsWithoutRedisUnderTrafficLoseNothingAcknowledged() throws InterruptedException {
        String prefix = Unique.prefix("t");
        try (RedisServer redis = RedisServer.createWithAof();
             Node n1 = Node.onRedis(redis.port(), prefix, "n1");
             Node n2 = Node.onRedis(redis.port(), prefix, "n2");
             ChatClient ada = ChatClient.connect(n1.port(), "Ada");
             ChatClient bob = ChatClient.connect(n2.port(), "Bob")) {
            ChatClient carol = ChatClient.connect(n2.port(), "Carol");
            for (ChatClient client : List.of(ada, bob, carol)) {
                client.join("outage");
            }

            // Ada sends all along, each message retried with its clientMsgId until acknowledged
            List<String> acknowledged = new CopyOnWriteArrayList<>();
            AtomicBoolean enough = new AtomicBoolean();
            CompletableFuture<Void> traffic = CompletableFuture.runAsync(() -> {
                for (int i = 1; !enough.get(); i++) {
                    ada.sayUntilStored("outage", "m" + i, "m-" + i, OUTAGE.multipliedBy(3));
                    acknowledged.add("m" + i);
                    sleep(50);
                }
            }, Executors.newVirtualThreadPerTaskExecutor());
            await("traffic flowing").atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(25))
                    .until(() -> acknowledged.size() >= 5);
            Map<String, Object> carolsLast = carol.messages("outage", 3).getLast();

            long killedAt = System.nanoTime();
            redis.stop(); // SIGKILL
            for (Node node : List.of(n1, n2)) {
                await("broker DOWN on a node").atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(25))
                        .until(() -> "DOWN".equals(node.brokerHealth()));
            }
            carol.close(); // gone during the outage: she resumes from her last message afterwards
            for (ChatClient client : List.of(ada, bob)) {
                assertThat(client.isClosed()).as("nodes keep their clients through the outage").isFalse();
            }
            Thread.sleep(Math.max(0, OUTAGE.toMillis() - Duration.ofNanos(System.nanoTime() - killedAt).toMillis()));
            for (ChatClient client : List.of(ada, bob)) { // no node reached Redis: nobody was moved
                assertThat(client.isClosed()).as("nodes keep their clients through a whole outage").isFalse();
            }
            int beforeRestart = acknowledged.size();

            redis.start(); // from its append-only file: everything it acknowledged
            for (Node node : List.of(n1, n2)) {
                await("broker UP again on a node").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(25))
                        .until(() -> "UP".equals(node.brokerHealth()));
            }
            await("traffic after the outage").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(25))
                    .until(() -> acknowledged.size() >= beforeRestart + 10);
            enough.set(true);
            traffic.join();

            List<Object> received = bob.messageTextsUntil(acknowledged);
            assertThat(received).as("every acknowledged message once, in order").isEqualTo(List.copyOf(acknowledged));

            try (ChatClient back = ChatClient.connect(n1.port(), "Carol")) {
                Map<String, Object> joined = back.join("outage", (String) carolsLast.get("epoch"),
                        ((Number) carolsLast.get("offset")).longValue());
                assertThat(joined).containsEntry("recovered", true).containsEntry("epochChanged", false);
                List<String> missed = acknowledged.subList(acknowledged.indexOf(carolsLast.get("text")) + 1, acknowledged.size());
                assertThat(back.messageTextsUntil(missed)).isEqualTo(missed);
            }
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
