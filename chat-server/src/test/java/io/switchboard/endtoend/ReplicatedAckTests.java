package io.switchboard.endtoend;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.support.ChatClient;
import io.switchboard.support.Node;
import io.switchboard.support.RedisSentinels;
import io.switchboard.support.Unique;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@code switchboard.redis.ack-replicas}: a send is acknowledged, and relayed to the room, only once a
 * replica has it, on a real primary and replica (Sentinel-configured), so a failover can neither lose
 * what was acknowledged nor take back what members were shown.
 */
class ReplicatedAckTests {

    @Test
    @SuppressWarnings("unchecked")
    void aSendIsAcknowledgedAndShownToTheRoomOnlyOnceAReplicaHasIt() {
        try (RedisSentinels redis = RedisSentinels.start();
             Node node = Node.onRedis(redis.primaryPort(), Unique.prefix("t"), "n1",
                     "spring.data.redis.sentinel.master=" + RedisSentinels.MASTER,
                     "spring.data.redis.sentinel.nodes=" + redis.sentinelNodes(),
                     "switchboard.redis.ack-replicas=1", "switchboard.redis.ack-timeout=500ms");
             ChatClient ada = ChatClient.connect(node.port(), "Ada");
             ChatClient bob = ChatClient.connect(node.port(), "Bob")) {
            ada.join("replicated");
            bob.join("replicated");
            String epoch = (String) ada.say("replicated", "on two servers", "two").get("epoch");
            assertThat(bob.messages("replicated", 1)).extracting(m -> m.get("text")).containsExactly("on two servers");

            redis.stopReplica();
            ada.send(Map.of("type", "send", "room", "replicated", "text", "on one server", "clientMsgId", "one"));
            assertThat(ada.await(f -> "error".equals(f.get("type")) || "ack".equals(f.get("type"))))
                    .as("not acknowledged while no replica has it").containsEntry("code", "broker_unavailable");
            // nor shown to anyone: a failover now could take it back
            bob.send(Map.of("type", "ping", "ref", "after the refusal"));
            bob.await(f -> "pong".equals(f.get("type")) && "after the refusal".equals(f.get("ref")));
            assertThat(bob.drain(java.time.Duration.ofMillis(300))).noneMatch(f -> "message".equals(f.get("type")));
            // nor read from the log: history, and a join that resumes, stop at what the replica confirmed
            bob.send(Map.of("type", "history", "room", "replicated", "ref", "h1"));
            assertThat((List<Map<String, Object>>) bob.await("history").get("messages"))
                    .extracting(m -> m.get("text")).containsExactly("on two servers");
            try (ChatClient carol = ChatClient.connect(node.port(), "Carol")) {
                Map<String, Object> joined = carol.join("replicated", epoch, 0);
                assertThat(joined).containsEntry("offset", 1);
                assertThat(carol.messages("replicated", 1)).extracting(m -> m.get("text")).containsExactly("on two servers");
            }

            redis.startReplica();
            // the retry stores nothing new; it is acknowledged now that the replica has the message,
            // and then, once, relayed to the room
            assertThat(ada.sayUntilStored("replicated", "on one server", "one")).containsEntry("duplicate", true);
            assertThat(bob.messages("replicated", 1)).extracting(m -> m.get("text") + "@" + m.get("offset"))
                    .containsExactly("on one server@2");
            assertThat(ada.say("replicated", "the end marker", "end")).containsEntry("offset", 3);
            assertThat(bob.messages("replicated", 1)).extracting(m -> m.get("text")).containsExactly("the end marker");
            assertThat(bob.drain(java.time.Duration.ofMillis(100))).noneMatch(f -> "message".equals(f.get("type")));
        }
    }
}
