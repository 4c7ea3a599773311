package io.switchboard.session;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.protocol.ErrorCode;
import io.switchboard.support.Actuator;
import io.switchboard.support.ChatClient;
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
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What a node counts of its connections, seen the way Prometheus sees it ({@code
 * /actuator/prometheus}): error frames by code, and WebSocket handshakes in Boot's {@code
 * http.server.requests}. Each series is there, at 0, before anything happens.
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
    void countsEveryErrorFrameByCodeFromZeroWhicheverLayerAnswersIt() {
        // two joins (and history requests) per connection; one new room per connection, then one a minute
        node = Node.inMemory("switchboard.limits.joins-per-second=0.01", "switchboard.limits.join-burst=2",
                "switchboard.limits.new-rooms.per-second=0.01", "switchboard.limits.new-rooms.burst=1");
        for (ErrorCode code : ErrorCode.values()) {
            assertThat(value(errors(code))).as(code.wire()).isZero();
        }
        ChatClient client = ChatClient.connect(node.port(), "Erring");

        client.sendText("not json"); // refused by the codec
        assertThat(client.await("error")).containsEntry("code", "bad_json");
        client.send(Map.of("type", "send", "room", "lobby", "text", "hi", "clientMsgId", "m1")); // by the session
        assertThat(client.await("error")).containsEntry("code", "not_joined");
        client.join("lobby");
        client.send(Map.of("type", "join", "room", "elsewhere")); // by the room layer: no new room left
        assertThat(client.await("error")).containsEntry("code", "rate_limited");
        client.send(Map.of("type", "join", "room", "lobby")); // by the frame budgets: no join left
        assertThat(client.await("error")).containsEntry("code", "rate_limited");

        Wait.until(PATIENCE, () -> value(errors(ErrorCode.RATE_LIMITED)) == 2, "two rate_limited counted");
        for (ErrorCode code : ErrorCode.values()) {
            double expected = switch (code) {
                case BAD_JSON, NOT_JOINED -> 1;
                case RATE_LIMITED -> 2;
                default -> 0;
            };
            assertThat(value(errors(code))).as(code.wire()).isEqualTo(expected);
        }
        client.close();
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

    private static String errors(ErrorCode code) {
        return "switchboard_errors_total{code=\"" + code.wire() + "\"}";
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

    /** The value of one series, which must be there. */
    private double value(String series) {
        for (String line : scrape().split("\n")) {
            if (line.startsWith(series + " ")) {
                return Double.parseDouble(line.substring(series.length() + 1).strip());
            }
        }
        throw new AssertionError(series + " is not in /actuator/prometheus");
    }
}
