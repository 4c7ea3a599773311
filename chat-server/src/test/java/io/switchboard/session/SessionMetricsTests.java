package io.switchboard.session;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.support.Actuator;
import io.switchboard.support.Handshake;
import io.switchboard.support.Node;
import io.switchboard.support.Wait;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What a node counts of its connections, seen the way Prometheus sees it ({@code
 * /actuator/prometheus}): WebSocket handshakes in Boot's {@code http.server.requests}.
 */
class SessionMetricsTests {

    private static final Duration PATIENCE = Duration.ofSeconds(10);

    private Node node;

    @AfterEach
    void stop() {
        if (node != null) {
            node.close();
        }
    }

    @Test
    void tagsWebSocketHandshakesWithTheirPathNotUnknown() throws Exception {
        node = Node.inMemory();

        assertThat(Actuator.handshake(node.port()).status()).isEqualTo(101);
        assertThat(Handshake.send(node.port(), "Origin: https://evil.example.net").getFirst()).contains(" 403 ");
        assertThat(plainGet()).isEqualTo(400);

        Wait.until(PATIENCE, () -> requests().size() == 3, () -> "three /ws requests in " + requests());
        assertThat(requests()).allSatisfy(line -> assertThat(line).contains("uri=\"/ws\""))
                .anySatisfy(line -> assertThat(line).contains("status=\"101\""))
                .anySatisfy(line -> assertThat(line).contains("status=\"403\""))
                .anySatisfy(line -> assertThat(line).contains("status=\"400\""));
    }

    private int plainGet() throws IOException, InterruptedException {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.port() + "/ws"))
                .build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    /**
     * The count lines of finished requests ({@code http.server.requests}) for {@code /ws} and for
     * requests no handler named. Requests in flight ({@code http_server_requests_active_seconds},
     * this scrape among them) are tagged when they start, before any handler names them.
     */
    private List<String> requests() {
        return Arrays.stream(scrape().split("\n")).filter(line -> line.startsWith("http_server_requests_seconds_count{"))
                .filter(line -> line.contains("uri=\"/ws\"") || line.contains("uri=\"UNKNOWN\"")).toList();
    }

    private String scrape() {
        return Actuator.get(node.managementPort(), "/actuator/prometheus").body();
    }
}
