package io.switchboard.broker;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.support.ChatClient;
import io.switchboard.support.Node;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The in-memory broker keeps at most {@code switchboard.history.max-rooms} rooms, and says so. */
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
}
