package io.switchboard.endtoend;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.support.ChatClient;
import io.switchboard.support.Node;
import io.switchboard.support.RedisSentinels;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * {@code switchboard.redis.ack-replicas}: a send is acknowledged only once a replica has it, on a
 * real primary and replica (Sentinel-configured), so a failover cannot lose what was acknowledged.
 */
class ReplicatedAckTests {

    @Test
    void aSendIsAcknowledgedOnlyOnceAReplicaHasIt() {
        try (RedisSentinels redis = RedisSentinels.start();
             Node node = Node.onRedis(redis.primaryPort(), "t" + UUID.randomUUID().toString().substring(0, 8) + ":", "n1",
                     "spring.data.redis.sentinel.master=" + RedisSentinels.MASTER,
                     "spring.data.redis.sentinel.nodes=" + redis.sentinelNodes(),
                     "switchboard.redis.ack-replicas=1", "switchboard.redis.ack-timeout=500ms");
             ChatClient ada = ChatClient.connect(node.port(), "Ada")) {
            ada.join("replicated");
            assertThat(ada.say("replicated", "on two servers", "two")).containsEntry("duplicate", false);

            redis.stopReplica();
            ada.send(Map.of("type", "send", "room", "replicated", "text", "on one server", "clientMsgId", "one"));
            assertThat(ada.await(f -> "error".equals(f.get("type")) || "ack".equals(f.get("type"))))
                    .as("not acknowledged while no replica has it").containsEntry("code", "broker_unavailable");

            redis.startReplica();
            // the retry stores nothing new; it is acknowledged now that the replica has the message
            assertThat(ada.sayUntilStored("replicated", "on one server", "one")).containsEntry("duplicate", true);
        }
    }
}
