package io.switchboard.session;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.support.Node;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
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

    /** The handshake exactly as Chromium sends it (the JDK's client cannot offer extensions). */
    private static List<String> handshakeOfferingDeflate(int port) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(("GET /ws HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\nUpgrade: websocket\r\n"
                    + "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                    + "Sec-WebSocket-Version: 13\r\n"
                    + "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII));
            List<String> lines = new ArrayList<>();
            for (String line = in.readLine(); line != null && !line.isEmpty(); line = in.readLine()) {
                lines.add(line);
            }
            return lines;
        }
    }
}
