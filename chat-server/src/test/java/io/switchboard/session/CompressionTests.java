package io.switchboard.session;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.support.Handshake;
import io.switchboard.support.Node;
import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A browser offers permessage-deflate on every handshake; the node declines it unless told otherwise. */
class CompressionTests {

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

    /** The extension offer exactly as Chromium sends it (the JDK's client cannot offer extensions). */
    private static List<String> handshakeOfferingDeflate(int port) throws IOException {
        return Handshake.send(port, "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits");
    }
}
