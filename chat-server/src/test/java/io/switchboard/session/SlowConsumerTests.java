package io.switchboard.session;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.support.PresenceFrames;
import io.switchboard.support.ChatClient;
import io.switchboard.support.Node;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A client that stops reading is cut off; the room goes on for everyone else. */
class SlowConsumerTests {

    @Test
    @SuppressWarnings("unchecked")
    void dropsAConsumerThatStopsReadingAndKeepsServingTheOthers() {
        try (Node node = Node.inMemory("switchboard.outbox.max-messages=16", "switchboard.outbox.send-timeout=2s",
                "switchboard.limits.messages-per-second=100000", "switchboard.limits.burst=100000");
             ChatClient talker = ChatClient.connect(node.port(), "Talker");
             ChatClient stalled = ChatClient.connect(node.port(), "Stalled")) {
            talker.join("firehose");
            stalled.join("firehose");
            stalled.stopReading();

            String text = "x".repeat(3900);
            for (int i = 1; i <= 3000; i++) { // ~12 MB: more than socket buffers and a 16-frame outbox hold
                talker.send(Map.of("type", "send", "room", "firehose", "text", text, "clientMsgId", "f-" + i));
                talker.messages("firehose", 1);
            }

            assertThat(talker.await(f -> PresenceFrames.announces(f, "leave", "name", "Stalled"))).isNotNull();
            talker.say("firehose", "still here", "after");
            assertThat(talker.messages("firehose", 1).getFirst()).containsEntry("text", "still here");
        }
    }
}
