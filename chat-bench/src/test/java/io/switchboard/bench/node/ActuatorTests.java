package io.switchboard.bench.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.switchboard.bench.fanout.RunBroken;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The bench's management-port client against a small HTTP server on a free loopback port that answers as a node would. */
class ActuatorTests {

    private final List<String> requests = new CopyOnWriteArrayList<>();
    private HttpServer server;
    private Actuator actuator;

    @BeforeEach
    void startServer() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/actuator/drain", exchange -> {
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            requests.add(exchange.getRequestMethod() + " " + exchange.getRequestHeaders().getFirst("Content-Type")
                    + " " + body);
            answer(exchange, 200, "{\"state\":\"draining\"}");
        });
        server.createContext("/actuator/metrics/switchboard.connections",
                exchange -> answer(exchange, 200, "{\"measurements\":[{\"statistic\":\"VALUE\",\"value\":42.0}]}"));
        server.createContext("/actuator/metrics/switchboard.rooms",
                exchange -> answer(exchange, 200, "{\"measurements\":[]}"));
        server.createContext("/actuator/health", exchange -> answer(exchange, 503, "down, not JSON"));
        server.start();
        actuator = new Actuator(URI.create("http://127.0.0.1:" + server.getAddress().getPort()));
    }

    @AfterEach
    void stopServer() {
        server.stop(0);
    }

    @Test
    void postsJsonAndParsesTheAnswer() {
        Actuator.Answer answer = actuator.post("/actuator/drain", "{\"window\":\"5s\"}");

        assertThat(answer.status()).isEqualTo(200);
        assertThat(answer.json().path("state").asString()).isEqualTo("draining");
        assertThat(requests).containsExactly("POST application/json {\"window\":\"5s\"}");
    }

    @Test
    void answersAStatusWithABodyThatIsNotJsonAsMissing() {
        Actuator.Answer answer = actuator.get("/actuator/health");

        assertThat(answer.status()).isEqualTo(503);
        assertThat(answer.json().isMissingNode()).isTrue();
    }

    @Test
    void readsTheFirstMeasurementOfAMeter() {
        assertThat(actuator.metric("switchboard.connections")).isEqualTo(42.0);
    }

    @Test
    void breaksTheRunWhenAReadingCannotBeMade() {
        assertThatThrownBy(() -> actuator.metric("switchboard.rooms")).isInstanceOf(RunBroken.class)
                .hasMessageContaining("/actuator/metrics/switchboard.rooms has no measurement");
        assertThatThrownBy(() -> actuator.read("/actuator/health")).isInstanceOf(RunBroken.class)
                .hasMessageContaining("/actuator/health answered 503");
    }

    @Test
    void breaksTheRunWhenTheNodeCannotBeReached() throws IOException {
        int closed;
        try (ServerSocket free = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closed = free.getLocalPort();
        }
        Actuator gone = new Actuator(URI.create("http://127.0.0.1:" + closed));

        assertThatThrownBy(() -> gone.get("/actuator/info")).isInstanceOf(RunBroken.class)
                .hasMessageStartingWith("GET http://127.0.0.1:" + closed + "/actuator/info failed");
    }

    private static void answer(HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
        exchange.close();
    }
}
