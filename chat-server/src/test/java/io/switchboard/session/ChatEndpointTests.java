package io.switchboard.session;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.protocol.CloseCodes;
import io.switchboard.support.ChatClient;
import io.switchboard.support.Node;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** One node on the embedded (in-memory) broker, talked to through real WebSocket clients. */
class ChatEndpointTests {

    private static Node node;

    @BeforeAll
    static void start() {
        node = Node.inMemory("switchboard.limits.max-frame-length=4096", "switchboard.limits.max-text-length=200",
                "switchboard.limits.burst=5", "switchboard.limits.messages-per-second=0.01");
    }

    @AfterAll
    static void stop() {
        node.close();
    }

    @Test
    void deliversAMessageToEveryMemberOfTheRoomOnce() {
        try (ChatClient ada = ChatClient.connect(node.port(), "Ada");
             ChatClient bob = ChatClient.connect(node.port(), "Bob")) {
            ada.join("deliver");
            Map<String, Object> joined = bob.join("deliver");
            assertThat((List<?>) joined.get("members")).hasSize(2);

            Map<String, Object> ack = ada.say("deliver", "hello bob", "m-1");

            for (ChatClient client : List.of(ada, bob)) {
                Map<String, Object> message = client.messages("deliver", 1).getFirst();
                assertThat(message).containsEntry("text", "hello bob").containsEntry("fromName", "Ada")
                        .containsEntry("from", ada.sessionId).containsEntry("clientMsgId", "m-1")
                        .containsEntry("offset", ack.get("offset")).containsEntry("epoch", ack.get("epoch"));
            }
            // a later message of the room: the node hands a room's messages to a member in offset order,
            // so a second copy of the first would come before it
            ada.say("deliver", "end marker", "m-end");
            assertThat(bob.until(ChatClient.message("deliver", "end marker"))).noneMatch(f -> "message".equals(f.get("type")));
        }
    }

    @Test
    void aHelloInAProtocolVersionTheNodeDoesNotServeIsRefusedAndAnotherHelloMayFollow() {
        try (ChatClient client = ChatClient.connectRaw(node.port())) {
            client.send(Map.of("type", "hello", "name", "Future", "protocol", 2, "ref", "h2"));
            Map<String, Object> refused = client.await("error");
            assertThat(refused).containsEntry("code", "unsupported_protocol").containsEntry("ref", "h2");
            assertThat((String) refused.get("message")).contains("serves protocol 1");
            client.send(Map.of("type", "hello", "name", "Present", "protocol", 1, "ref", "h1"));
            assertThat(client.await("hello_ok")).containsEntry("name", "Present").containsEntry("ref", "h1");
        }
    }

    @Test
    void answersMalformedJsonWithAnErrorAndStaysUp() {
        try (ChatClient client = ChatClient.connect(node.port(), "Ada")) {
            client.sendText("{not json");
            assertThat(client.await("error")).containsEntry("code", "bad_json");
            client.sendText("{\"type\":\"teleport\",\"ref\":\"t1\"}");
            assertThat(client.await("error")).containsEntry("code", "unknown_type").containsEntry("ref", "t1");

            client.send(Map.of("type", "ping", "ref", "still-there"));
            assertThat(client.await("pong")).containsEntry("ref", "still-there");
        }
    }

    @Test
    void rejectsInvalidRoomsAndOversizedTextWithoutDisconnecting() {
        try (ChatClient client = ChatClient.connect(node.port(), "Ada")) {
            client.send(Map.of("type", "join", "room", "no spaces allowed"));
            assertThat(client.await("error")).containsEntry("code", "invalid_room");

            client.join("texts");
            client.send(Map.of("type", "send", "room", "texts", "text", "x".repeat(201), "clientMsgId", "big"));
            assertThat(client.await("error")).containsEntry("code", "text_too_long");

            client.say("texts", "fits", "small");
            assertThat(client.messages("texts", 1).getFirst()).containsEntry("text", "fits");
        }
    }

    @Test
    void requiresHelloFirst() {
        try (ChatClient client = ChatClient.connectRaw(node.port())) {
            client.send(Map.of("type", "join", "room", "early"));
            assertThat(client.await("error")).containsEntry("code", "hello_required");
        }
    }

    @Test
    void neverLetsASendLeakIntoARoomTheSenderIsNotIn() {
        try (ChatClient insider = ChatClient.connect(node.port(), "In");
             ChatClient outsider = ChatClient.connect(node.port(), "Out")) {
            insider.join("private");
            outsider.join("elsewhere");

            outsider.send(Map.of("type", "send", "room", "private", "text", "sneaky", "clientMsgId", "x1"));
            assertThat(outsider.await("error")).containsEntry("code", "not_joined");
            outsider.send(Map.of("type", "history", "room", "private"));
            assertThat(outsider.await("error")).containsEntry("code", "not_joined");

            // the insider's own later message: a leaked send would have been stored, before the outsider's
            // refusal, at a lower offset of the room, and the room's messages come in offset order
            insider.say("private", "end marker", "in-end");
            assertThat(insider.until(ChatClient.message("private", "end marker"))).noneMatch(f -> "message".equals(f.get("type")));
        }
    }

    @Test
    void limitsTheSendRate() {
        try (ChatClient client = ChatClient.connect(node.port(), "Fast")) {
            client.join("rate");
            for (int i = 0; i < 6; i++) {
                client.send(Map.of("type", "send", "room", "rate", "text", "m" + i, "clientMsgId", "rate-" + i));
            }
            assertThat(client.await("error")).containsEntry("code", "rate_limited");
            assertThat(client.messages("rate", 5)).extracting(m -> m.get("text"))
                    .containsExactly("m0", "m1", "m2", "m3", "m4");
            client.send(Map.of("type", "typing", "room", "rate"));
            assertThat(client.await("error")).containsEntry("code", "rate_limited");
        }
    }

    @Test
    void closesOnABinaryFrameWith1003() {
        try (ChatClient client = ChatClient.connect(node.port(), "Bin")) {
            client.sendBinary(new byte[] {1, 2, 3});
            assertThat(client.closeCode()).isEqualTo(CloseCodes.UNSUPPORTED_DATA);
        }
    }

    @Test
    void closesOnABinaryFrameOver1KiBWith1009() {
        try (ChatClient client = ChatClient.connect(node.port(), "BigBin")) {
            client.sendBinary(new byte[1025]);
            assertThat(client.closeCode()).isEqualTo(CloseCodes.MESSAGE_TOO_BIG);
        }
    }

    @Test
    void closesOnAnOversizedFrameWith1009() {
        try (ChatClient client = ChatClient.connect(node.port(), "Big")) {
            client.sendText("{\"type\":\"ping\",\"ref\":\"" + "x".repeat(5000) + "\"}");
            assertThat(client.closeCode()).isEqualTo(CloseCodes.MESSAGE_TOO_BIG);
        }
    }

    @Test
    void countsTheBytesOfAFragmentedMessageAgainstTheLimit() {
        try (ChatClient client = ChatClient.connect(node.port(), "Pieces")) {
            // 1,600 characters of three bytes each: 4,800 bytes, over the 4,096 allowed only with the last piece
            String piece = "日".repeat(400);
            client.sendFragmented(List.of("{\"type\":\"ping\",\"ref\":\"" + piece, piece, piece, piece + "\"}"));
            assertThat(client.closeCode()).isEqualTo(CloseCodes.MESSAGE_TOO_BIG);
        }
    }

    @Test
    void pagesHistoryBackwards() {
        try (ChatClient client = ChatClient.connect(node.port(), "Hist")) {
            client.join("history");
            for (int i = 1; i <= 5; i++) {
                client.say("history", "h" + i, "hist-" + i);
            }
            client.send(Map.of("type", "history", "room", "history", "before", 4, "limit", 2, "ref", "page"));
            Map<String, Object> page = client.await("history");

            assertThat(page).containsEntry("ref", "page").containsEntry("hasMore", true);
            assertThat((List<Map<String, Object>>) page.get("messages")).extracting(m -> m.get("text"))
                    .containsExactly("h2", "h3");
        }
    }
}
