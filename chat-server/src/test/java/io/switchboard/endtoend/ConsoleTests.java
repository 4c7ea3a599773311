package io.switchboard.endtoend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.switchboard.support.Actuator;
import io.switchboard.support.Browser;
import io.switchboard.support.Haproxy;
import io.switchboard.support.Node;
import io.switchboard.support.NodeProcess;
import io.switchboard.support.ResumingClient;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

/**
 * The operator console (docs/operations.md, "The console") in Chromium, against three nodes behind
 * HAProxy with clients connected: it lists the nodes, and its buttons drain, refuse a second drain
 * in words, cancel and rebalance, while its chart and events list show the connections move.
 */
class ConsoleTests extends OnRedis {

    private static final String PASSWORD = "console-pw-0123456789";
    private static final Duration PATIENCE = Duration.ofSeconds(60);
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private Node node(String name, int[] ports) {
        return node(name, "server.port=" + ports[0], "management.server.port=" + ports[1],
                "switchboard.management.password=" + PASSWORD, "switchboard.rebalance.window=1s",
                "switchboard.drain.reconnect-jitter=300ms");
    }

    @Test
    void theConsoleListsTheNodesAndItsButtonsDrainCancelAndRebalanceWhileTheChartShowsTheMoves() throws IOException {
        Map<String, int[]> ports = new LinkedHashMap<>();
        for (String name : List.of("n1", "n2", "n3")) {
            ports.put(name, new int[] {NodeProcess.freePort(), NodeProcess.freePort()});
        }
        Node n1 = node("n1", ports.get("n1"));
        Node n2 = node("n2", ports.get("n2"));
        Node n3 = node("n3", ports.get("n3"));
        awaitClusterView(n1, n2, n3);
        Haproxy balancer = track(new Haproxy(ports, "roundrobin"));
        await("HAProxy routes to every node").atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(25))
                .until(() -> balancer.isUp("n1") && balancer.isUp("n2") && balancer.isUp("n3"));
        List<ResumingClient> clients = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            clients.add(track(ResumingClient.join("c" + i, "lobby", balancer::port)));
        }

        Browser console = track(Browser.openPage("http://switchboard:" + PASSWORD + "@127.0.0.1:" + n1.managementPort()
                + "/console"));
        await("three nodes listed, with every client").atMost(PATIENCE).untilAsserted(() -> {
            assertThat(rows(console)).as(() -> "the page says: " + text(console, "message"))
                    .containsOnlyKeys("n1", "n2", "n3");
            assertThat(rows(console).values().stream().mapToInt(Integer::intValue).sum()).isEqualTo(30);
        });

        // a drain with a long window; a second drain is refused, in words; the first is cancelled
        console.click("tr[data-node='n3'] button");
        console.answerDialog("30s");
        await("n3 draining").atMost(PATIENCE).until(() -> "draining".equals(state(console, "n3")));
        await("its progress shown").atMost(PATIENCE).until(() -> ((String) console.script(
                "return document.querySelector(\"#nodes tr[data-node='n3'] td[data-label='Drain']\").textContent"))
                .matches("draining: \\d+ / \\d+ moved, .* left"));
        console.click("tr[data-node='n2'] button");
        console.answerDialog("5s");
        await("the refusal shown").atMost(PATIENCE).until(() -> text(console, "message").startsWith("Refused:"));
        assertThat(text(console, "message")).contains("drain");
        console.click("tr[data-node='n3'] button");
        console.answerDialog(null);
        await("n3 ready again").atMost(PATIENCE).until(() -> "ready".equals(state(console, "n3")));

        // a drain that runs to its end: n3's connections fall to 0 in the chart, the others take them
        console.click("tr[data-node='n3'] button");
        console.answerDialog("2s");
        await("n3 drained").atMost(PATIENCE).until(() -> "drained".equals(state(console, "n3")));
        await("the chart shows n3 empty and the others holding everyone").atMost(PATIENCE).untilAsserted(() -> {
            Map<String, Object> latest = latest(console, "chart-connections");
            assertThat(((Number) latest.get("n3")).intValue()).isZero();
            assertThat(((Number) latest.get("n1")).intValue() + ((Number) latest.get("n2")).intValue()).isEqualTo(30);
        });
        await("every client back").atMost(PATIENCE).until(() -> clients.stream().allMatch(ResumingClient::isJoined));
        assertThat(events(console)).contains("drain started n3", "drain cancelled n3", "drain finished n3");
        console.screenshot("console-drained");

        // n3 back, and a rebalance gives it its share
        console.click("tr[data-node='n3'] button");
        console.answerDialog(null);
        await("n3 ready").atMost(PATIENCE).until(() -> "ready".equals(state(console, "n3")));
        await("HAProxy routes to n3 again").atMost(Duration.ofSeconds(20)).until(() -> balancer.isUp("n3"));
        console.click("#rebalance");
        console.answerDialog(null);
        await("the rebalance moved connections to n3").atMost(PATIENCE)
                .until(() -> rows(console).getOrDefault("n3", 0) >= 5);
        await("its rounds listed").atMost(PATIENCE).until(() -> events(console).stream().anyMatch(e -> e.startsWith("rebalance")));
        await("every client back").atMost(PATIENCE).until(() -> clients.stream().allMatch(ResumingClient::isJoined));
        console.screenshot("console");

        // the history is in Redis: another node's console, opened now, shows the same minutes back
        Browser other = track(Browser.openPage("http://switchboard:" + PASSWORD + "@127.0.0.1:" + n2.managementPort()
                + "/console"));
        long opened = System.currentTimeMillis() / 1000;
        await("n2's console with the history").atMost(PATIENCE).untilAsserted(() -> assertThat(Long.parseLong((String)
                other.script("return document.getElementById('chart-connections').dataset.since || '0'")))
                .isPositive().isLessThan(opened - 10));

        console.resize(390, 844); // a phone
        await("the page fits a phone's width").atMost(Duration.ofSeconds(10)).until(() -> !console.overflowsSideways());
        console.screenshot("console-phone");
    }

    @Test
    void theConsoleNeedsTheManagementPasswordAndIsNeverOnTheChatPortAndListsANodeThatDied() throws Exception {
        Node n1 = node("n1", new int[] {NodeProcess.freePort(), NodeProcess.freePort()});
        Map<String, String> doomed = new LinkedHashMap<>(Node.redisProperties(redis.port(), prefix, "doomed"));
        doomed.put("management.server.port", "-1");
        track(new NodeProcess(doomed)).kill();
        await("the node's death listed").atMost(PATIENCE).until(() -> {
            HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + n1.managementPort()
                    + "/actuator/console")).header("Authorization", basic(PASSWORD)).build();
            String view = HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString()).body();
            return view.contains("\"kind\":\"node died\",\"node\":\"doomed\"");
        });
        assertThat(get(n1.managementPort(), "/console", null)).isEqualTo(401);
        assertThat(get(n1.managementPort(), "/console", "wrong")).isEqualTo(401);
        assertThat(get(n1.managementPort(), "/actuator/console", "wrong")).isEqualTo(401);
        assertThat(get(n1.managementPort(), "/console", PASSWORD)).isEqualTo(200);
        assertThat(get(n1.managementPort(), "/console/uPlot.iife.min.js", PASSWORD)).isEqualTo(200);
        assertThat(get(n1.port(), "/console", PASSWORD)).as("the chat port").isEqualTo(404);
        assertThat(get(n1.port(), "/actuator/console", PASSWORD)).as("the chat port").isEqualTo(404);
        assertThat(Actuator.get(n1.managementPort(), "/actuator/health").status()).as("probes stay open").isEqualTo(200);
    }

    private static int get(int port, String path, String password) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path));
        if (password != null) {
            request.header("Authorization", basic(password));
        }
        return HttpClient.newHttpClient().send(request.build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    private static String basic(String password) {
        return "Basic " + Base64.getEncoder().encodeToString(("switchboard:" + password).getBytes(StandardCharsets.UTF_8));
    }

    /** Node → connections, as the page's table shows them. */
    @SuppressWarnings("unchecked")
    private static Map<String, Integer> rows(Browser console) {
        Map<String, Object> shown = (Map<String, Object>) console.script("return Object.fromEntries([...document"
                + ".querySelectorAll('#nodes tbody tr')].map(r => [r.dataset.node, Number(r.querySelector('[data-connections]')"
                + ".dataset.connections)]))");
        Map<String, Integer> rows = new LinkedHashMap<>();
        shown.forEach((node, count) -> rows.put(node, ((Number) count).intValue()));
        return rows;
    }

    private static String state(Browser console, String node) {
        return (String) console.script("const cell = document.querySelector(`#nodes tr[data-node='${arguments[0]}'] [data-state]`);"
                + "return cell ? cell.dataset.state : null", node);
    }

    private static String text(Browser console, String id) {
        return (String) console.script("return document.getElementById(arguments[0]).textContent", id);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> latest(Browser console, String chart) {
        String json = (String) console.script("return document.getElementById(arguments[0]).dataset.latest || '{}'", chart);
        return JSON.readValue(json, Map.class);
    }

    /** "kind node" of every event listed. */
    @SuppressWarnings("unchecked")
    private static List<String> events(Browser console) {
        return (List<String>) console.script("return [...document.querySelectorAll('#events li')]"
                + ".map(li => li.dataset.kind + ' ' + li.dataset.node)");
    }
}
