package io.switchboard.session;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.support.Command;
import io.switchboard.support.Handshake;
import io.switchboard.support.Node;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** What {@code /ws} answers before a connection exists: origins, and requests that are no handshake. */
class HandshakeTests {

    private static Node node;

    @BeforeAll
    static void start() {
        node = Node.inMemory("switchboard.allowed-origins=https://chat.example.com,https://*.example.org");
    }

    @AfterAll
    static void stop() {
        node.close();
    }

    @Test
    void refusesAnOriginThatMatchesNoAllowedPatternWith403() throws IOException {
        assertThat(Handshake.send(node.port(), "Origin: https://evil.example.net").getFirst()).contains(" 403 ");
    }

    @Test
    void acceptsAllowedOriginsByNameAndPatternAndTheSameOrigin() throws IOException {
        assertThat(Handshake.send(node.port(), "Origin: https://chat.example.com").getFirst()).contains(" 101 ");
        assertThat(Handshake.send(node.port(), "Origin: https://eu.example.org").getFirst()).contains(" 101 ");
        assertThat(Handshake.send(node.port(), "Origin: http://127.0.0.1:" + node.port()).getFirst()).contains(" 101 ");
        assertThat(Handshake.send(node.port()).getFirst()).contains(" 101 "); // no Origin: not a browser
    }

    @Test
    void refusesEveryOtherSiteByDefaultAgainstCrossSiteWebSocketHijacking() throws IOException {
        try (Node plain = Node.inMemory()) {
            assertThat(Handshake.send(plain.port(), "Origin: https://evil.example.net").getFirst()).contains(" 403 ");
            assertThat(Handshake.send(plain.port(), "Origin: http://127.0.0.1:" + plain.port()).getFirst())
                    .as("the page's own origin").contains(" 101 ");
            assertThat(Handshake.send(plain.port(), "Origin: https://127.0.0.1:" + plain.port()).getFirst())
                    .as("the same host behind a proxy that ends TLS").contains(" 101 ");
            assertThat(Handshake.send(plain.port(), "Origin: http://127.0.0.1:1" + plain.port()).getFirst())
                    .as("another port").contains(" 403 ");
        }
    }

    /** Linux shows a listening socket's backlog as its Send-Q. */
    @Test
    void listensWithABacklogForAReconnectStorm() {
        Command.require("ss");
        Command.Result listening = Command.run(List.of("ss", "-ltnH", "sport = :" + node.port()), Map.of(), 10);
        assertThat(listening.output().trim().split("\\s+")[2]).isEqualTo("4096");
    }

    @Test
    void answersAPlainGetWith400() throws IOException, InterruptedException {
        HttpResponse<String> response = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.port() + "/ws")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(400);
    }
}
