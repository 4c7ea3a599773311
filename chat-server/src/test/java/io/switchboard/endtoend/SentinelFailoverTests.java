package io.switchboard.endtoend;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.support.ChatClient;
import io.switchboard.support.Node;
import io.switchboard.support.RedisSentinels;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Test;

/**
 * Nodes configured the Spring Boot way for Sentinel ({@code spring.data.redis.sentinel.*}), real
 * {@code redis-sentinel} processes, and a failover forced while people chat: the nodes follow the
 * new primary and the conversation goes on. (What the failover itself may cost, messages the old
 * primary acknowledged but never replicated, is docs/operations.md's to say; this test asserts what
 * comes after it.)
 */
class SentinelFailoverTests {

    @Test
    void nodesFollowTheNewPrimaryAfterAFailoverAndClientsKeepChatting() {
        try (RedisSentinels redis = RedisSentinels.start()) {
            String prefix = "t" + UUID.randomUUID().toString().substring(0, 8) + ":";
            String[] sentinel = {"spring.data.redis.sentinel.master=" + RedisSentinels.MASTER,
                    "spring.data.redis.sentinel.nodes=" + redis.sentinelNodes()};
            try (Node n1 = Node.onRedis(redis.primaryPort(), prefix, "n1", sentinel);
                 Node n2 = Node.onRedis(redis.primaryPort(), prefix, "n2", sentinel);
                 ChatClient ada = ChatClient.connect(n1.port(), "Ada");
                 ChatClient bob = ChatClient.connect(n2.port(), "Bob")) {
                ada.join("failover");
                bob.join("failover");
                ada.say("failover", "before", "before");
                assertThat(bob.messages("failover", 1).getFirst()).containsEntry("text", "before");

                // traffic while the failover happens: each send retried until acknowledged
                CompletableFuture<Integer> during = CompletableFuture.supplyAsync(() -> {
                    int sent = 0;
                    while (redis.reportedPrimaryPort() != redis.replicaPort() && sent < 100) {
                        sent++;
                        ada.sayUntilStored("failover", "during " + sent, "during-" + sent);
                    }
                    return sent;
                }, Executors.newVirtualThreadPerTaskExecutor());
                redis.failOver();
                assertThat(redis.reportedPrimaryPort()).isEqualTo(redis.replicaPort());
                assertThat(during.join()).isPositive();

                // The nodes reconnect through the sentinels to the new primary; until then a send
                // is refused (broker_unavailable) and the client retries it with the same clientMsgId.
                List<String> after = new ArrayList<>();
                for (int i = 1; i <= 10; i++) {
                    String text = "after " + i;
                    ada.sayUntilStored("failover", text, "after-" + i);
                    after.add(text);
                }
                List<Object> received = bob.messageTextsUntil(after);
                assertThat(received.stream().filter(after::contains).toList()).isEqualTo(after); // once each, in order
            }
        }
    }
}
