package io.switchboard.endtoend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.switchboard.support.Actuator;
import io.switchboard.support.Haproxy;
import io.switchboard.support.Node;
import io.switchboard.support.NodeProcess;
import io.switchboard.support.ResumingClient;
import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Balance that does not depend on the load balancer's algorithm: HAProxy from deploy/haproxy.cfg in
 * round-robin mode (as ingress-nginx, which has no least-connections), two busy nodes and a new
 * empty one. While the rebalance runs the busy nodes refuse new handshakes (503, above their share)
 * and HAProxy retries them elsewhere, so the shed clients land on the new node: it ends near even,
 * where round robin alone would send two thirds of them back to the nodes they left.
 */
class RoundRobinRebalanceTests extends OnRedis {

    private static final String[] SETTINGS = {"switchboard.rebalance.window=1s", "switchboard.drain.reconnect-jitter=500ms"};

    @Test
    void aRebalanceFrom23And22And0EndsNearEvenBehindARoundRobinBalancer() throws IOException {
        Map<String, int[]> ports = new LinkedHashMap<>();
        for (String name : List.of("n1", "n2", "n3")) {
            ports.put(name, new int[] {NodeProcess.freePort(), NodeProcess.freePort()});
        }
        // n3 starts seconds later: its ports stay bound here until then, or a test running beside this
        // one can pick the same free port meanwhile (one clean-clone run failed that way)
        List<ServerSocket> held = new ArrayList<>();
        for (int port : ports.get("n3")) {
            held.add(new ServerSocket(port));
        }
        Node n1 = node("n1", ports.get("n1"));
        Node n2 = node("n2", ports.get("n2"));
        Haproxy balancer = track(new Haproxy(ports, "roundrobin"));
        await("HAProxy routes to n1 and n2").atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(25))
                .until(() -> balancer.isUp("n1") && balancer.isUp("n2"));
        List<ResumingClient> clients = new ArrayList<>();
        for (int i = 0; i < 45; i++) {
            clients.add(track(ResumingClient.join("c" + i, "lobby", balancer::port)));
        }
        await("45 clients on n1 and n2").atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(25))
                .until(() -> n1.connections() + n2.connections() == 45);
        assertThat(List.of(n1.connections(), n2.connections())).containsExactlyInAnyOrder(23, 22);

        for (ServerSocket port : held) {
            port.close();
        }
        Node n3 = node("n3", ports.get("n3"));
        awaitClusterView(n1, n2, n3);
        await("HAProxy routes to n3").atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(25))
                .until(() -> balancer.isUp("n3"));
        assertThat(Actuator.post(n1.managementPort(), "/actuator/rebalance", null).status()).isEqualTo(200);
        await("the rebalance ended").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(25))
                .until(() -> !"running".equals(Actuator.get(n1.managementPort(), "/actuator/rebalance")
                .json().get("state")));
        await("every client back").atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(25))
                .until(() -> clients.stream().allMatch(ResumingClient::isJoined));

        List<Integer> counts = List.of(n1.connections(), n2.connections(), n3.connections());
        assertThat(counts.stream().mapToInt(Integer::intValue).sum()).isEqualTo(45);
        assertThat(counts).as("connections per node after the rebalance: " + counts)
                .allSatisfy(count -> assertThat(count).isBetween(12, 18));
        assertThat(Actuator.get(n1.managementPort(), "/actuator/rebalance").json()).containsEntry("state", "balanced");
        double refused = 0;
        for (Node busy : List.of(n1, n2)) {
            var found = java.util.regex.Pattern.compile(
                    "switchboard_handshakes_refused_total\\{reason=\"above_share\",status=\"503\"} ([0-9.]+)")
                    .matcher(Actuator.get(busy.managementPort(), "/actuator/prometheus").body());
            assertThat(found.find()).isTrue();
            refused += Double.parseDouble(found.group(1));
        }
        assertThat(refused).as("handshakes the busy nodes sent elsewhere").isPositive();
    }

    private Node node(String name, int[] ports) {
        List<String> settings = new ArrayList<>(List.of(SETTINGS));
        settings.add("server.port=" + ports[0]);
        settings.add("management.server.port=" + ports[1]);
        return node(name, settings.toArray(String[]::new));
    }
}
