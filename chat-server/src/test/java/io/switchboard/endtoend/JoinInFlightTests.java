package io.switchboard.endtoend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.switchboard.support.Actuator;
import io.switchboard.support.ChatClient;
import io.switchboard.support.Node;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Connections that go away while their join is in flight, on a real Redis: nothing may stay behind. */
class JoinInFlightTests extends OnRedis {

    @Test
    void connectionsClosedInTheMiddleOfTheirJoinLeaveNoMembershipSubscriptionOrPresence() {
        Node node = node("n1");
        String room = "in-flight";
        for (int i = 0; i < 40; i++) {
            ChatClient client = ChatClient.connect(node.port(), "Gone" + i);
            client.send(Map.of("type", "join", "room", room));
            if (i % 4 == 1) {
                sleepMillis(i % 8); // vary where in the join the connection drops (not a wait for an outcome)
            }
            client.close(); // abrupt: no close handshake
        }

        // Every close handled: a connection's frames are handled in order, its close last, so each join
        // that reached the node has been handed to the room's lane by now, and no more will come.
        await("every connection closed on the node").atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(25))
                .until(() -> node.connections() == 0);
        // A join of the room after them: the room's lane, one thread taking its work in order, has started
        // every earlier join before it starts this one.
        try (ChatClient marker = ChatClient.connect(node.port(), "Marker")) {
            marker.join(room);
            marker.leave(room);
        }
        // The node counts a room while it has a member or a join in flight: at zero, every join started
        // has been answered or undone.
        await("every join on the node answered or undone").atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(25))
                .until(() -> roomsOn(node) == 0);

        onRedis(redisCommands -> {
            // what the node undid reaches Redis on its own time (an unsubscribe, a presence removal)
            await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(25)).untilAsserted(() -> assertThat(
                    redisCommands.pubsubNumsub(prefix + "{" + room + "}").values().iterator().next() == 0
                    && redisCommands.exists(prefix + "{" + room + "}:presence") == 0
                    && redisCommands.smembers(prefix + "node:n1:members").isEmpty())
                    .as(() -> "subscribers " + redisCommands.pubsubNumsub(prefix + "{" + room + "}")
                            + ", presence " + redisCommands.hkeys(prefix + "{" + room + "}:presence")
                            + ", node members " + redisCommands.smembers(prefix + "node:n1:members")).isTrue());
            return null;
        });

        // and the room still works for whoever joins it next
        try (ChatClient ada = ChatClient.connect(node.port(), "Ada")) {
            Map<String, Object> joined = ada.join(room);
            assertThat((List<?>) joined.get("members")).hasSize(1);
        }
    }

    private static double roomsOn(Node node) {
        Map<String, Object> metric = Actuator.get(node.managementPort(), "/actuator/metrics/switchboard.rooms").json();
        return ((Number) ((Map<?, ?>) ((List<?>) metric.get("measurements")).getFirst()).get("value")).doubleValue();
    }

    private static void sleepMillis(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
