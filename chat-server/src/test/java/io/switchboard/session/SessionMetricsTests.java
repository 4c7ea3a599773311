package io.switchboard.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.switchboard.protocol.CloseCodes;
import io.switchboard.protocol.ErrorCode;
import io.switchboard.support.Actuator;
import io.switchboard.support.ChatClient;
import io.switchboard.support.Command;
import io.switchboard.support.Handshake;
import io.switchboard.support.Node;
import io.switchboard.support.RawWebSocket;
import io.switchboard.support.Tokens;
import jakarta.servlet.DispatcherType;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.eclipse.jetty.ee11.servlet.ServletHandler;
import org.eclipse.jetty.ee11.servlet.ServletHolder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.web.filter.ServerHttpObservationFilter;

/**
 * What a node counts of what it refuses, seen the way Prometheus sees it ({@code
 * /actuator/prometheus}): error frames by code, auth failures, refused handshakes, closes by code,
 * and WebSocket handshakes in Boot's {@code http.server.requests}. Each series is there, at 0,
 * before anything happens, and docs/operations.md lists every {@code switchboard_*} metric.
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

        await("two rate_limited counted").atMost(PATIENCE).pollInterval(Duration.ofMillis(25))
                .until(() -> value(errors(ErrorCode.RATE_LIMITED)) == 2);
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
    void countsAuthFailuresByReasonAndTheirClosesBy4001() {
        node = Node.inMemory(Tokens.jwtNode("switchboard.auth.jwt.clock-skew=0s"));
        for (String reason : List.of("hello", "refresh", "expired")) {
            assertThat(value(authFailures(reason))).as(reason).isZero();
        }

        ChatClient stranger = ChatClient.connectRaw(node.port());
        stranger.send(Map.of("type", "hello", "token", "not-a-token"));
        assertThat(stranger.await("error")).containsEntry("code", "unauthorized");
        assertThat(stranger.closeCode()).isEqualTo(CloseCodes.UNAUTHORIZED);
        ChatClient ada = ChatClient.connectWithToken(node.port(), Tokens.token("ada", "Ada", Duration.ofSeconds(2), List.of()));
        ada.send(Map.of("type", "auth", "token", Tokens.token("bob", "Bob", Duration.ofMinutes(5), List.of()), "ref", "a1"));
        assertThat(ada.await("error")).containsEntry("code", "unauthorized").containsEntry("ref", "a1");
        assertThat(ada.closeCode()).isEqualTo(CloseCodes.UNAUTHORIZED); // its own token ran out

        await("two closes with 4001 counted").atMost(PATIENCE).pollInterval(Duration.ofMillis(25))
                .until(() -> value(closes("4001")) == 2);
        assertThat(value(authFailures("hello"))).isEqualTo(1);
        assertThat(value(authFailures("refresh"))).isEqualTo(1);
        assertThat(value(authFailures("expired"))).isEqualTo(1);
        assertThat(value(errors(ErrorCode.UNAUTHORIZED))).isEqualTo(2);
    }

    @Test
    void countsRefusedHandshakesByStatusAndReason() throws Exception {
        // three handshakes per address, then one every 1000 s; one connection per address
        node = Node.inMemory("switchboard.limits.handshakes-per-second-per-ip=0.001",
                "switchboard.limits.handshake-burst-per-ip=3", "switchboard.limits.max-connections-per-ip=1",
                "switchboard.drain.health-check-wait=60s");
        Map<String, String> refusals = Map.of("not_ready", "503", "origin", "403", "handshake_rate", "429",
                "connections_per_ip", "429", "not_websocket", "400");
        refusals.forEach((reason, status) -> assertThat(value(refused(status, reason))).as(reason).isZero());

        assertThat(Handshake.send(node.port(), "Origin: https://evil.example.net").getFirst()).contains(" 403 ");
        assertThat(plainGet()).isEqualTo(400);                                                   // handshake 1
        ChatClient holder = ChatClient.connect(node.port(), "Holder");                           // handshake 2
        assertThat(Actuator.handshake(node.port()).status()).as("a second connection").isEqualTo(429); // 3
        assertThat(Actuator.handshake(node.port()).status()).as("a fourth handshake").isEqualTo(429);
        Actuator.post(node.managementPort(), "/actuator/drain", null);
        assertThat(Actuator.handshake(node.port()).status()).as("while draining").isEqualTo(503);
        Actuator.delete(node.managementPort(), "/actuator/drain");

        refusals.forEach((reason, status) -> assertThat(value(refused(status, reason))).as(reason).isEqualTo(1));
        holder.close();
    }

    @Test
    void countsClosesByCodeWithUnknownCodesAsOther() throws IOException {
        node = Node.inMemory();
        for (String code : List.of("1000", "1001", "1003", "1006", "1008", "1009", "1012", "4001", "4002", "4003",
                "4008", "other")) {
            assertThat(value(closes(code))).as(code).isZero();
        }

        ChatClient binary = ChatClient.connect(node.port(), "Binary");
        binary.sendBinary(new byte[] {1, 2, 3});
        assertThat(binary.closeCode()).isEqualTo(CloseCodes.UNSUPPORTED_DATA);
        for (int code : new int[] {1000, 4999, 3001}) { // a client may close with any code; those not listed count as other
            try (RawWebSocket socket = RawWebSocket.connect(node.port())) {
                socket.sendClose(code);
                assertThat(socket.awaitClose(PATIENCE)).isEqualTo(code);
            }
        }

        await("two unknown codes counted as other").atMost(PATIENCE).pollInterval(Duration.ofMillis(25))
                .until(() -> value(closes("other")) == 2);
        assertThat(value(closes("1003"))).isEqualTo(1);
        assertThat(value(closes("1000"))).isEqualTo(1);
        assertThat(scrape()).doesNotContain("code=\"4999\"", "code=\"3001\"");
    }

    @Test
    void tagsWebSocketHandshakesWithTheirPathNotUnknown() throws Exception {
        node = Node.inMemory();

        assertThat(Actuator.handshake(node.port()).status()).isEqualTo(101);
        assertThat(Handshake.send(node.port(), "Origin: https://evil.example.net").getFirst()).contains(" 403 ");
        assertThat(plainGet()).isEqualTo(400);

        await().atMost(PATIENCE).pollInterval(Duration.ofMillis(25))
                .untilAsserted(() -> assertThat(requests().size() == 3).as(() -> "three /ws requests in " + requests()).isTrue());
        assertThat(requests()).allSatisfy(line -> assertThat(line).contains("uri=\"/ws\""))
                .anySatisfy(line -> assertThat(line).contains("status=\"101\""))
                .anySatisfy(line -> assertThat(line).contains("status=\"403\""))
                .anySatisfy(line -> assertThat(line).contains("status=\"400\""));
    }

    /**
     * Nothing but Spring's three cheap filters (encoding, form content, request context) runs before
     * a handshake: not Spring's observation, which times Spring MVC's requests only ({@code /ws} is
     * timed by {@link HandshakeTimes}, above), nor Jetty's WebSocket upgrade filter, which comes with
     * Jetty's WebSocket APIs the node does not use (docs/benchmarks.md, "Nothing in front of a handshake").
     */
    @Test
    void noObservationNorUpgradeFilterRunsBeforeAHandshake() {
        node = Node.inMemory();
        ServletHandler servlets = node.jetty().getDescendant(ServletHandler.class);
        String chat = Arrays.stream(servlets.getServlets()).filter(holder -> ChatServlet.class.getName().equals(holder.getClassName()))
                .map(ServletHolder::getName).findFirst().orElseThrow();
        List<String> beforeHandshakes = Arrays.stream(servlets.getFilterMappings())
                .filter(mapping -> mapping.appliesTo(DispatcherType.REQUEST) && (contains(mapping.getPathSpecs(), "/*")
                        || contains(mapping.getPathSpecs(), ChatServlet.PATH) || contains(mapping.getServletNames(), chat)
                        || contains(mapping.getServletNames(), "*")))
                .map(mapping -> servlets.getFilter(mapping.getFilterName()).getClassName()).toList();
        List<String> observed = Arrays.stream(servlets.getFilterMappings())
                .filter(mapping -> servlets.getFilter(mapping.getFilterName()).getClassName()
                        .equals(ServerHttpObservationFilter.class.getName()))
                .flatMap(mapping -> Arrays.stream(mapping.getServletNames() == null ? new String[0] : mapping.getServletNames()))
                .toList();

        assertThat(beforeHandshakes).isNotEmpty().noneMatch(filter -> filter.equals(ServerHttpObservationFilter.class.getName())
                || filter.contains("WebSocketUpgradeFilter"));
        assertThat(observed).as("Spring MVC's requests still observed").containsExactly("dispatcherServlet");
    }

    private static boolean contains(String[] values, String value) {
        return values != null && Arrays.asList(values).contains(value);
    }

    /** Every {@code switchboard_*} metric a node shows is in the metrics table of docs/operations.md. */
    @Test
    void documentsEverySwitchboardMetricInOperations() throws IOException {
        node = Node.inMemory();
        Set<String> families = new TreeSet<>();
        Matcher type = Pattern.compile("(?m)^# TYPE (switchboard_\\w+) ").matcher(scrape());
        while (type.find()) {
            families.add(type.group(1).replaceFirst("_max$", "")); // a timer's maximum goes with the timer
        }
        String operations = Files.readString(Command.ROOT.resolve("docs/operations.md"));
        String table = operations.substring(operations.indexOf("## Metrics"));

        assertThat(families).contains("switchboard_errors_total", "switchboard_auth_failures_total",
                "switchboard_handshakes_refused_total", "switchboard_closes_total");
        for (String family : families) {
            assertThat(table).as(family).containsPattern("`" + family + "(\\{[a-z_, ]+\\})?`");
        }
    }

    private int plainGet() throws IOException, InterruptedException {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.port() + "/ws"))
                .build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    private static String errors(ErrorCode code) {
        return "switchboard_errors_total{code=\"" + code.wire() + "\"}";
    }

    private static String authFailures(String reason) {
        return "switchboard_auth_failures_total{reason=\"" + reason + "\"}";
    }

    private static String refused(String status, String reason) {
        return "switchboard_handshakes_refused_total{reason=\"" + reason + "\",status=\"" + status + "\"}";
    }

    private static String closes(String code) {
        return "switchboard_closes_total{code=\"" + code + "\"}";
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
