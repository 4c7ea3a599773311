package io.switchboard.broker;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.support.ChatClient;
import io.switchboard.support.Node;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The in-memory broker keeps at most {@code switchboard.history.max-rooms} rooms, and says so; rooms
 * that hold no message and no member go first, so made-up rooms lock nobody out.
 */
class InMemoryRoomLimitTests {

    @Test
    void aRoomBeyondTheMostIsRefusedWithAClearError() {
        try (Node node = Node.inMemory("switchboard.history.max-rooms=3");
             ChatClient ada = ChatClient.connect(node.port(), "Ada")) {
            for (String room : new String[] {"one", "two", "three"}) {
                ada.join(room);
            }
            ada.send(Map.of("type", "join", "room", "four", "ref", "j4"));
            Map<String, Object> refused = ada.await("error");
            assertThat(refused).containsEntry("code", "broker_unavailable").containsEntry("ref", "j4");
            assertThat((String) refused.get("message")).contains("switchboard.history.max-rooms");

            ada.say("one", "the rooms it holds still work", "still");
        }
    }

    @Test
    void madeUpRoomsCycledFarPastTheMostLockNobodyOut() {
        try (Node node = Node.inMemory("switchboard.history.max-rooms=20", "switchboard.limits.new-rooms.burst=100000",
                "switchboard.limits.join-burst=100000");
             ChatClient mallory = ChatClient.connect(node.port(), "Mallory");
             ChatClient ada = ChatClient.connect(node.port(), "Ada")) {
            ada.join("kept");
            ada.say("kept", "written before the flood", "k1");
            for (int i = 0; i < 300; i++) {
                mallory.join("made-up-" + i);
                mallory.leave("made-up-" + i);
            }
            try (ChatClient carol = ChatClient.connect(node.port(), "Carol")) {
                assertThat(carol.join("a-new-room")).containsEntry("type", "joined");
                Map<String, Object> kept = carol.join("kept");
                assertThat(((Number) kept.get("offset")).longValue()).as("a room with messages is kept").isEqualTo(1);
            }
        }
    }
}
