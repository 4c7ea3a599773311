package io.switchboard.session;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.support.ChatClient;
import io.switchboard.support.Node;
import io.switchboard.support.RawWebSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A connection's frames written straight to its socket ({@link DirectWrites}): in the order given
 * while its socket is full, and Jetty's own frames behind them.
 */
class DirectWritesTests {

    private static final int MESSAGES = 1500;

    @Test
    void framesHeldUpByAFullSocketAllArriveInOrderBeforeTheAnswerToTheClientsClose() throws Exception {
        try (Node node = Node.inMemory("switchboard.outbox.max-messages=100000", "switchboard.outbox.max-bytes=64MB",
                "switchboard.outbox.send-timeout=60s",
                "switchboard.limits.messages-per-second=100000", "switchboard.limits.burst=100000");
             ChatClient talker = ChatClient.connect(node.port(), "Talker");
             RawWebSocket reader = RawWebSocket.connect(node.port(), 4096)) {
            assertThat(reader.read(Duration.ofSeconds(10)).text()).contains("\"welcome\"");
            reader.sendText("{\"type\":\"hello\",\"name\":\"Reader\"}");
            assertThat(reader.read(Duration.ofSeconds(10)).text()).contains("\"hello_ok\"");
            reader.sendText("{\"type\":\"join\",\"room\":\"pile\"}");
            assertThat(reader.read(Duration.ofSeconds(10)).text()).contains("\"joined\"");
            talker.join("pile");

            // ~6 MB the reader does not read: more than its socket's buffers hold, so the node's
            // writes to it are left pending and the rest wait behind them
            String text = "x".repeat(3900);
            for (int i = 1; i <= MESSAGES; i++) {
                talker.send(Map.of("type", "send", "room", "pile", "text", text, "clientMsgId", "p-" + i));
            }
            assertThat(talker.messages("pile", MESSAGES)).last().extracting(m -> m.get("clientMsgId"))
                    .isEqualTo("p-" + MESSAGES);
            reader.sendClose(1000);

            List<String> ids = new ArrayList<>();
            int closeCode = -1;
            for (RawWebSocket.Frame frame = reader.read(Duration.ofSeconds(20)); frame != null;
                 frame = reader.read(Duration.ofSeconds(20))) {
                if (frame.opcode() == RawWebSocket.CLOSE) {
                    closeCode = ((frame.payload()[0] & 0xFF) << 8) | (frame.payload()[1] & 0xFF);
                    break;
                }
                if (frame.opcode() == RawWebSocket.PING) {
                    continue;
                }
                assertThat(frame.opcode()).isEqualTo(RawWebSocket.TEXT);
                assertThat(frame.fin()).isTrue();
                String json = frame.text();
                if (json.contains("\"type\":\"message\"")) {
                    int at = json.indexOf("\"clientMsgId\":\"") + "\"clientMsgId\":\"".length();
                    ids.add(json.substring(at, json.indexOf('"', at)));
                }
            }

            assertThat(closeCode).as("the answer to the close, after every frame").isEqualTo(1000);
            assertThat(ids).hasSize(MESSAGES);
            for (int i = 0; i < MESSAGES; i++) {
                assertThat(ids.get(i)).isEqualTo("p-" + (i + 1));
            }
        }
    }
}
