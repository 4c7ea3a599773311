package io.switchboard.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.switchboard.protocol.CloseCodes;
import io.switchboard.support.ChatClient;
import io.switchboard.support.Handshake;
import io.switchboard.support.Node;
import java.io.DataInputStream;
import java.io.IOException;
import java.net.Socket;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The server's pings: half-open connections are closed, live ones that answer stay. */
class HeartbeatTests {

    @Test
    void aConnectionThatAnswersNoPingIsClosedAndOneThatAnswersStays() throws IOException {
        try (Node node = Node.inMemory("switchboard.heartbeat.interval=500ms", "switchboard.heartbeat.timeout=2s",
                "switchboard.outbox.send-timeout=1s"); // how long the close may wait for a peer that reads nothing
             ChatClient alive = ChatClient.connect(node.port(), "Alive"); // the JDK's client answers pings
             Socket silent = Handshake.openAndGoSilent(node.port())) {
            alive.join("quiet");
            await("both connected").atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(25))
                    .until(() -> node.connections() == 2);

            await("the silent connection closed").atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(25))
                    .until(() -> node.connections() == 1);
            assertThat(alive.isClosed()).isFalse();
            alive.send(Map.of("type", "ping", "ref", "after"));
            assertThat(alive.await("pong")).containsEntry("ref", "after");
            assertThat(closeCodeIn(silent)).isEqualTo(CloseCodes.HEARTBEAT_TIMEOUT);
        }
    }

    /** Reads what the node wrote to the silent socket (handshake answer, pings, close) and answers the close code. */
    private static int closeCodeIn(Socket socket) throws IOException {
        socket.setSoTimeout(10_000);
        DataInputStream in = new DataInputStream(socket.getInputStream());
        int matched = 0;
        while (matched < 4) { // the answer's headers end with CR LF CR LF
            int b = in.readUnsignedByte();
            matched = (b == (matched % 2 == 0 ? '\r' : '\n')) ? matched + 1 : (b == '\r' ? 1 : 0);
        }
        while (true) {
            int opcode = in.readUnsignedByte() & 0x0F;
            int length = in.readUnsignedByte() & 0x7F; // the server's frames are unmasked
            byte[] payload = new byte[length == 126 ? in.readUnsignedShort() : length];
            in.readFully(payload);
            if (opcode == 0x1 || opcode == 0x9) {
                continue; // welcome, or a ping left unanswered
            }
            assertThat(opcode).as("a close frame").isEqualTo(0x8);
            return ((payload[0] & 0xFF) << 8) | (payload[1] & 0xFF);
        }
    }
}
