package io.switchboard.session;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.support.ChatClient;
import io.switchboard.support.DeflateClient;
import io.switchboard.support.Handshake;
import io.switchboard.support.Node;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A browser offers permessage-deflate on every handshake; the node declines it unless told
 * otherwise, and then compresses each frame once for all members that negotiated it.
 */
class CompressionTests {

    /** Long enough to be compressed (and compressible): what the clients say in the tests below. */
    private static final String LONG_TEXT = "the quick brown fox jumps over the lazy dog; ".repeat(20);

    @Test
    void declinesPermessageDeflateByDefault() throws IOException {
        try (Node node = Node.inMemory()) {
            List<String> response = handshakeOfferingDeflate(node.port());
            assertThat(response.getFirst()).contains(" 101 ");
            assertThat(response).noneMatch(line -> line.toLowerCase().startsWith("sec-websocket-extensions"));
        }
    }

    @Test
    void acceptsPermessageDeflateWithoutContextTakeoverWhenTurnedOn() throws IOException {
        try (Node node = Node.inMemory("switchboard.permessage-deflate=true")) {
            List<String> response = handshakeOfferingDeflate(node.port());
            assertThat(response.getFirst()).contains(" 101 ");
            // no compression window outlives a message, in either direction: bounded memory per connection
            assertThat(response).anyMatch(line -> line.toLowerCase().startsWith("sec-websocket-extensions")
                    && line.contains("permessage-deflate") && line.contains("server_no_context_takeover")
                    && line.contains("client_no_context_takeover"));
        }
    }

    @Test
    void compressesLongFramesForClientsThatNegotiatedItAndInflatesWhatTheySend() throws IOException {
        try (Node node = Node.inMemory("switchboard.permessage-deflate=true");
             DeflateClient ada = DeflateClient.connect(node.port());
             DeflateClient bob = DeflateClient.connect(node.port());
             ChatClient carol = ChatClient.connect(node.port(), "Carol")) { // the JDK's client: no deflate
            assertThat(ada.extensions).startsWith("permessage-deflate");
            // short frames go out as they are: compressing them saves nothing
            assertThat(ada.await("welcome").compressed()).isFalse();

            ada.sendCompressed("{\"type\":\"hello\",\"name\":\"Ada\"}");
            assertThat(ada.await("hello_ok").text()).contains("\"name\":\"Ada\"");
            ada.sendCompressed("{\"type\":\"join\",\"room\":\"deflate\"}");
            ada.await("joined");
            bob.sendPlain("{\"type\":\"hello\",\"name\":\"Bob\"}"); // a client may compress any message or none
            bob.await("hello_ok");
            bob.sendPlain("{\"type\":\"join\",\"room\":\"deflate\"}");
            bob.await("joined");
            carol.join("deflate");

            ada.sendCompressed("{\"type\":\"send\",\"room\":\"deflate\",\"text\":\"" + LONG_TEXT + "\",\"clientMsgId\":\"d-1\"}");

            for (DeflateClient client : List.of(ada, bob)) {
                DeflateClient.Received message = client.await("message");
                assertThat(message.compressed()).isTrue();
                assertThat(message.text()).contains("\"text\":\"" + LONG_TEXT + "\"").contains("\"clientMsgId\":\"d-1\"");
            }
            Map<String, Object> plain = carol.messages("deflate", 1).getFirst();
            assertThat(plain).containsEntry("text", LONG_TEXT).containsEntry("fromName", "Ada");
        }
    }

    @Test
    void closesWith1009WhenAMessageInflatesPastTheFrameLimit() throws IOException {
        try (Node node = Node.inMemory("switchboard.permessage-deflate=true", "switchboard.limits.max-frame-length=4096");
             DeflateClient client = DeflateClient.connect(node.port())) {
            client.await("welcome");
            // about 1 KiB compressed that inflates to 1 MiB
            client.sendCompressed("{\"type\":\"hello\",\"name\":\"" + "a".repeat(1 << 20) + "\"}");
            DeflateClient.Received close = client.await("close");
            assertThat(close.opcode()).isEqualTo(0x8);
            assertThat(close.closeCode()).isEqualTo(1009);
        }
    }

    /** The extension offer exactly as Chromium sends it (the JDK's client cannot offer extensions). */
    private static List<String> handshakeOfferingDeflate(int port) throws IOException {
        return Handshake.send(port, "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits");
    }
}
