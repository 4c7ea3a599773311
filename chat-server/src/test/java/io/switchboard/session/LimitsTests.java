package io.switchboard.session;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.protocol.CloseCodes;
import io.switchboard.support.ChatClient;
import io.switchboard.support.Node;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What one connection may do, on a real node: rooms, the rates of joins and sends, abuse, dedupe scope. */
class LimitsTests {

    @Test
    void joinsSentAtOnceCannotPassTheRoomLimit() {
        try (Node node = Node.inMemory("switchboard.limits.max-rooms-per-session=3");
             ChatClient client = ChatClient.connect(node.port(), "Many")) {
            for (int i = 0; i < 8; i++) {
                client.send(Map.of("type", "join", "room", "room-" + i, "ref", "j" + i)); // none waits for joined
            }
            List<String> answers = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                Map<String, Object> answer = client.await(f -> "joined".equals(f.get("type")) || "error".equals(f.get("type")));
                answers.add("joined".equals(answer.get("type")) ? "joined" : (String) answer.get("code"));
            }
            assertThat(answers).as(answers.toString()).filteredOn("joined"::equals).hasSize(3);
            assertThat(answers).filteredOn("too_many_rooms"::equals).hasSize(5);
        }
    }

    @Test
    void joinsAndHistoryRequestsAreRateLimitedWithTheWaitForTheNext() {
        try (Node node = Node.inMemory("switchboard.limits.join-burst=3", "switchboard.limits.joins-per-second=0.5");
             ChatClient client = ChatClient.connect(node.port(), "Reader")) {
            client.join("a");
            client.join("b");
            client.send(Map.of("type", "history", "room", "a", "ref", "h1"));
            assertThat(client.await("history")).containsEntry("ref", "h1");
            client.send(Map.of("type", "history", "room", "a", "ref", "h2"));
            Map<String, Object> refused = client.await("error");
            assertThat(refused).containsEntry("code", "rate_limited").containsEntry("ref", "h2");
            assertThat(((Number) refused.get("retryAfterMs")).longValue()).isBetween(1L, 2000L);
            client.send(Map.of("type", "join", "room", "c", "ref", "j3"));
            assertThat(client.await("error")).containsEntry("code", "rate_limited").containsEntry("ref", "j3");
        }
    }

    @Test
    void aClientThatKeepsSendingPastTheRateLimitIsClosedWith1008() {
        try (Node node = Node.inMemory("switchboard.limits.burst=2", "switchboard.limits.messages-per-second=0.01",
                "switchboard.limits.abuse-threshold=5");
             ChatClient flooder = ChatClient.connect(node.port(), "Flooder");
             ChatClient polite = ChatClient.connect(node.port(), "Polite")) {
            flooder.join("flood");
            polite.join("flood");
            for (int i = 0; i < 4; i++) { // two taken, then refused twice: below the threshold
                flooder.send(Map.of("type", "typing", "room", "flood"));
            }
            polite.say("flood", "still here", "p1");
            assertThat(flooder.isClosed()).isFalse();
            for (int i = 0; i < 3; i++) { // refused three more times in a row: five
                flooder.send(Map.of("type", "send", "room", "flood", "text", "spam", "clientMsgId", "s" + i));
            }
            assertThat(flooder.closeCode()).isEqualTo(CloseCodes.POLICY_VIOLATION);
            assertThat(polite.say("flood", "and still", "p2")).containsEntry("duplicate", false);
        }
    }

    @Test
    void pingsHellosAndInvalidFramesDrawOnABudgetOfTheirOwn() {
        try (Node node = Node.inMemory("switchboard.limits.other-burst=3", "switchboard.limits.other-frames-per-second=0.01",
                "switchboard.limits.abuse-threshold=4");
             ChatClient client = ChatClient.connectRaw(node.port())) {
            client.send(Map.of("type", "ping", "ref", "p1"));
            assertThat(client.await("pong")).containsEntry("ref", "p1");
            client.sendText("not json");
            assertThat(client.await("error")).containsEntry("code", "bad_json");
            client.send(Map.of("type", "hello", "name", "Ada", "ref", "h1"));
            assertThat(client.await("hello_ok")).containsEntry("ref", "h1");
            client.send(Map.of("type", "ping", "ref", "p2"));
            assertThat(client.await("error")).containsEntry("code", "rate_limited").containsEntry("ref", "p2");
            client.sendText("{\"type\":\"nonsense\"}");
            assertThat(client.await("error")).containsEntry("code", "rate_limited");
            client.send(Map.of("type", "ping", "ref", "p3"));
            client.send(Map.of("type", "ping", "ref", "p4"));
            assertThat(client.closeCode()).isEqualTo(CloseCodes.POLICY_VIOLATION);
        }
    }

    @Test
    void leavesDrawOnTheJoinBudgetAndOneForARoomNotJoinedIsAnsweredAtOnce() {
        try (Node node = Node.inMemory("switchboard.limits.join-burst=3", "switchboard.limits.joins-per-second=0.01");
             ChatClient client = ChatClient.connect(node.port(), "Leaver")) {
            for (int i = 0; i < 3; i++) {
                client.send(Map.of("type", "leave", "room", "never-" + i, "ref", "l" + i));
                assertThat(client.await("error")).containsEntry("code", "not_joined").containsEntry("ref", "l" + i);
            }
            client.send(Map.of("type", "leave", "room", "never", "ref", "l4"));
            assertThat(client.await("error")).containsEntry("code", "rate_limited").containsEntry("ref", "l4");
        }
    }

    @Test
    void creatingRoomsDrawsOnABudgetButJoiningOnesThatExistDoesNot() {
        try (Node node = Node.inMemory("switchboard.limits.new-rooms.burst=2", "switchboard.limits.new-rooms.per-second=0.01");
             ChatClient ada = ChatClient.connect(node.port(), "Ada");
             ChatClient bob = ChatClient.connect(node.port(), "Bob")) {
            ada.join("new-1");
            ada.join("new-2");
            ada.send(Map.of("type", "join", "room", "new-3", "ref", "j3"));
            Map<String, Object> refused = ada.await("error");
            assertThat(refused).containsEntry("code", "rate_limited").containsEntry("ref", "j3");
            assertThat((String) refused.get("message")).contains("does not exist yet");
            assertThat(((Number) refused.get("retryAfterMs")).longValue()).isPositive();

            bob.join("bobs-room");
            assertThat(ada.join("bobs-room")).as("a room that exists costs nothing").containsEntry("type", "joined");
            ada.leave("new-1");
            assertThat(ada.join("new-1")).as("nor does one it holds a position for").containsEntry("type", "joined");
        }
    }

    @Test
    void clientMsgIdsAreScopedToTheSender() {
        try (Node node = Node.inMemory();
             ChatClient ada = ChatClient.connect(node.port(), "Ada");
             ChatClient bob = ChatClient.connect(node.port(), "Bob")) {
            ada.join("scoped");
            bob.join("scoped");
            Map<String, Object> adas = ada.say("scoped", "from Ada", "same-id");
            Map<String, Object> bobs = bob.say("scoped", "from Bob", "same-id");
            assertThat(bobs).containsEntry("duplicate", false).doesNotContainEntry("offset", adas.get("offset"));
            assertThat(ada.messages("scoped", 2)).extracting(m -> m.get("text")).containsExactly("from Ada", "from Bob");

            // Ada's retry after a reconnect is still recognised as hers
            ada.close();
            try (ChatClient back = ChatClient.connect(node.port(), "Ada")) {
                back.join("scoped");
                assertThat(back.say("scoped", "from Ada", "same-id")).containsEntry("duplicate", true)
                        .containsEntry("offset", adas.get("offset"));
            }
        }
    }
}
