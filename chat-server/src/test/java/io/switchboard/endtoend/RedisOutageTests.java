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
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Redis goes away mid-conversation and comes back empty (no persistence). */
class RedisOutageTests {

    private RedisServer redis;
    private Node first;
    private Node second;

    @BeforeEach
    void start() {
        redis = RedisServer.create();
        String prefix = Unique.prefix("t");
        first = Node.onRedis(redis.port(), prefix, "n1");
        second = Node.onRedis(redis.port(), prefix, "n2");
    }

    @AfterEach
    void stop() {
        second.close();
        first.close();
        redis.close();
    }

    @Test
    void survivesARedisRestartAndSignalsTheNewEpoch() {
        try (ChatClient ada = ChatClient.connect(first.port(), "Ada");
             ChatClient bob = ChatClient.connect(second.port(), "Bob")) {
            ada.join("outage");
            bob.join("outage");
            Map<String, Object> before = ada.say("outage", "before", "before-1");
            String oldEpoch = (String) before.get("epoch");
            assertThat(bob.messages("outage", 1).getFirst()).containsEntry("text", "before");
            ada.messages("outage", 1);

            redis.stop();
            for (Node node : List.of(first, second)) {
                await("broker DOWN on a node").atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(25))
                        .until(() -> "DOWN".equals(node.brokerHealth()));
            }
            ada.send(Map.of("type", "send", "room", "outage", "text", "during", "clientMsgId", "during-1"));
            assertThat(ada.await("error")).containsEntry("code", "broker_unavailable");
            for (ChatClient client : List.of(ada, bob)) {
                client.send(Map.of("type", "ping", "ref", "alive"));
                assertThat(client.await("pong")).containsEntry("ref", "alive");
                assertThat(client.isClosed()).isFalse();
            }

            redis.start();
            for (Node node : List.of(first, second)) {
                await("broker UP again on a node").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(25))
                        .until(() -> "UP".equals(node.brokerHealth()));
            }
            Map<String, Object> after = sendUntilStored(ada, "after", "after-1");
            String newEpoch = (String) after.get("epoch");
            assertThat(newEpoch).isNotEqualTo(oldEpoch);

            for (ChatClient client : List.of(ada, bob)) {
                assertThat(client.await("epoch_changed")).containsEntry("previousEpoch", oldEpoch)
                        .containsEntry("epoch", newEpoch);
                assertThat(client.messages("outage", 1).getFirst()).containsEntry("text", "after")
                        .containsEntry("epoch", newEpoch).containsEntry("offset", 1);
            }

            try (ChatClient returning = ChatClient.connect(second.port(), "Carol")) {
                Map<String, Object> joined = returning.join("outage", oldEpoch, 1);
                assertThat(joined).containsEntry("epochChanged", true).containsEntry("epoch", newEpoch);
                assertThat(returning.messages("outage", 1).getFirst()).containsEntry("text", "after");
                // a later message of the room, which reaches Carol in offset order after anything more of the replay
                sendUntilStored(ada, "end marker", "end-1");
                assertThat(returning.until(ChatClient.message("outage", "end marker"))).noneMatch(f -> "message".equals(f.get("type")));
            }
        }
    }

    /** Retries with the same clientMsgId until acknowledged, as a client does after an outage. */
    private static Map<String, Object> sendUntilStored(ChatClient client, String text, String clientMsgId) {
        for (int attempt = 0; attempt < 100; attempt++) {
            client.send(Map.of("type", "send", "room", "outage", "text", text, "clientMsgId", clientMsgId));
            Map<String, Object> answer = client.await(f -> "ack".equals(f.get("type"))
                    || ("error".equals(f.get("type")) && "broker_unavailable".equals(f.get("code"))));
            if ("ack".equals(answer.get("type"))) {
                return answer;
            }
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        throw new AssertionError("send was never stored");
    }
}
