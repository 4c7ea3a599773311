package io.switchboard.endtoend;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.support.ChatClient;
import io.switchboard.support.Node;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Redis that answers late, on a real Redis: commands waiting for it are bounded, and the excess refused at once. */
class SlowRedisTests extends OnRedis {

    @Test
    void sendsBeyondTheRequestQueueAreRefusedAtOnceAndTheRestStored() {
        Node node = node("n1", "switchboard.redis.request-queue-size=16",
                "switchboard.limits.messages-per-second=1000", "switchboard.limits.burst=1000");
        try (ChatClient ada = ChatClient.connect(node.port(), "Ada")) {
            ada.join("slow");
            onRedis(redisCommands -> redisCommands.clientPause(1000)); // Redis answers nobody for 1 s (commands time out after 2 s)
            int sent = 100;
            for (int i = 0; i < sent; i++) {
                ada.send(Map.of("type", "send", "room", "slow", "text", "m" + i, "clientMsgId", "m" + i, "ref", "m" + i));
            }
            List<Map<String, Object>> answers = new ArrayList<>();
            for (int i = 0; i < sent; i++) {
                answers.add(ada.await(f -> "ack".equals(f.get("type")) || "error".equals(f.get("type"))));
            }
            List<Map<String, Object>> refused = answers.stream().filter(f -> "error".equals(f.get("type"))).toList();
            assertThat(refused).isNotEmpty().allSatisfy(f -> assertThat(f).containsEntry("code", "broker_unavailable"));
            assertThat(answers.size() - refused.size()).as("stored once Redis answered").isPositive();

            Map<String, Object> after = ada.say("slow", "after the pause", "after");
            assertThat(after).containsEntry("duplicate", false);
        }
    }
}
