package io.switchboard.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.switchboard.support.Node;
import io.switchboard.support.RawWebSocket;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Whose address a connection counts under: the socket's peer, unless that peer is a trusted proxy,
 * and then the rightmost address of {@code X-Forwarded-For} that is not one. Headers a client
 * writes itself change nothing, whatever Jetty's own forwarded-header handling does.
 */
class ClientAddressTests {

    private final List<RawWebSocket> open = new ArrayList<>();

    @AfterEach
    void closeAll() throws IOException {
        for (RawWebSocket socket : open) {
            socket.close();
        }
    }

    @Test
    void forwardingHeadersFromAnUntrustedPeerAreIgnored() throws IOException {
        // native: Jetty ranks Forwarded first and takes its leftmost value for the request's remote address
        try (Node node = Node.inMemory("switchboard.limits.max-connections-per-ip=1",
                "server.forward-headers-strategy=native")) {
            open.add(RawWebSocket.connect(node.port(), "Forwarded: for=203.0.113.1", "X-Forwarded-For: 203.0.113.1"));
            for (int i = 2; i < 6; i++) {
                int n = i;
                assertThatThrownBy(() -> open.add(RawWebSocket.connect(node.port(), "Forwarded: for=203.0.113." + n,
                        "X-Forwarded-For: 198.51.100." + n))).as("counted as 127.0.0.1, whatever it claims")
                        .hasMessageContaining(" 429 ");
            }
        }
    }

    @Test
    void aTrustedProxysRightmostUntrustedHopIsTheClient() throws IOException {
        try (Node node = Node.inMemory("switchboard.limits.max-connections-per-ip=1",
                "switchboard.trusted-proxies=127.0.0.1, 10.0.0.0/8", "server.forward-headers-strategy=native")) {
            open.add(RawWebSocket.connect(node.port(), "X-Forwarded-For: 203.0.113.1"));
            open.add(RawWebSocket.connect(node.port(), "X-Forwarded-For: 203.0.113.2, 10.1.2.3"));
            // the client wrote the leftmost hop itself, or a Forwarded header: both ignored
            for (String[] headers : List.of(new String[] {"X-Forwarded-For: 198.51.100.7, 203.0.113.1"},
                    new String[] {"Forwarded: for=198.51.100.8", "X-Forwarded-For: 203.0.113.1"},
                    new String[] {"X-Forwarded-For: 198.51.100.9", "X-Forwarded-For: 203.0.113.2, 10.9.9.9"})) {
                assertThatThrownBy(() -> open.add(RawWebSocket.connect(node.port(), headers)))
                        .as(String.join(" | ", headers)).hasMessageContaining(" 429 ");
            }
            open.add(RawWebSocket.connect(node.port(), "X-Forwarded-For: 203.0.113.3"));
            // no header through the trusted proxy: the proxy itself is all there is to count
            open.add(RawWebSocket.connect(node.port()));
            assertThatThrownBy(() -> open.add(RawWebSocket.connect(node.port()))).hasMessageContaining(" 429 ");
        }
    }
}
