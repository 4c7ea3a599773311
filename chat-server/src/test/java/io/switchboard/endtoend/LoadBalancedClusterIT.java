package io.switchboard.endtoend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.switchboard.support.Actuator;
import io.switchboard.support.ChatClient;
import io.switchboard.support.Command;
import io.switchboard.support.NodeProcess;
import io.switchboard.support.ResumingClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The local cluster of the README (scripts/cluster: redis-server, packaged nodes, HAProxy with
 * deploy/haproxy.cfg), spoken to only through the load balancer, as a browser would. Runs after
 * {@code package} (failsafe), since the script starts the packaged jar.
 */
class LoadBalancedClusterIT {

    /** Fixed ports (28081-28084, 28181-28184), above those {@link NodeProcess#freePort()} draws for other tests. */
    private static final int NODE_PORT_BASE = 28080;
    private final int lbPort = NodeProcess.freePort();
    private final Map<String, String> env = Map.of(
            "LB_PORT", Integer.toString(lbPort),
            "REDIS_PORT", Integer.toString(NodeProcess.freePort()),
            "NODE_PORT_BASE", Integer.toString(NODE_PORT_BASE),
            // drains and sheds paced for a test; HAProxy checks every second and marks a node down after 2
            "SWITCHBOARD_ARGS", "--switchboard.drain.health-check-wait=2500ms --switchboard.drain.window=1s"
                    + " --switchboard.rebalance.window=1s --switchboard.rebalance.auto=false"
                    // the publisher sends 50 a second, above the default per-connection limit
                    + " --switchboard.limits.messages-per-second=1000 --switchboard.limits.burst=1000");
    private final List<AutoCloseable> open = new ArrayList<>();

    @AfterEach
    void stopCluster() throws Exception {
        for (int i = open.size() - 1; i >= 0; i--) {
            open.get(i).close();
        }
        Command.run(List.of("scripts/cluster", "stop"), env, 120);
    }

    @Test
    void clientsThroughTheLoadBalancerSurviveADrainAndFillANewNode() {
        Command.require("redis-server");
        Command.require("haproxy");
        Command.require("curl");
        Command.Result started = Command.run(List.of("scripts/cluster", "start", "2"), env, 300);
        assertThat(started.exitCode()).as(started.output()).isZero();

        List<ResumingClient> clients = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            clients.add(track(ResumingClient.join("c" + i, "lobby", () -> lbPort)));
        }
        assertThat(clients.stream().map(ResumingClient::node).distinct()).containsExactlyInAnyOrder("node1", "node2");
        // straight to node2, which is not drained: the publisher's own moves are not under test here
        ChatClient publisher = ChatClient.connect(NODE_PORT_BASE + 2, "Publisher");
        publisher.join("lobby");
        Traffic traffic = new Traffic(publisher);

        Actuator.Answer drain = Actuator.post(management(1), "/actuator/drain", Map.of("window", "1s"));
        assertThat(drain.status()).as(drain.body()).isEqualTo(200);
        await("node1 drained").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(25))
                .until(() -> "drained".equals(Actuator.get(management(1), "/actuator/drain")
                .json().get("state")));
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(25))
                .untilAsserted(() -> assertThat(clients.stream().allMatch(c -> c.isJoined() && "node2".equals(c.node())))
                .as(() -> "every client back on node2 through the load balancer: " + clients).isTrue());

        int sent = traffic.stop();
        publisher.close();
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(25))
                .untilAsserted(() -> assertThat(clients.stream().allMatch(c -> c.lastOffset() == sent))
                .as(() -> "every client has all " + sent + " messages: " + clients).isTrue());
        List<Long> expected = LongStream.rangeClosed(1, sent).boxed().toList();
        for (ResumingClient client : clients) {
            assertThat(client.offsets()).containsExactlyElementsOf(expected);
            assertThat(client.duplicates()).isZero();
        }

        Actuator.delete(management(1), "/actuator/drain");
        Command.Result added = Command.run(List.of("scripts/cluster", "add"), env, 300);
        assertThat(added.exitCode()).as(added.output()).isZero();
        await("node3 registered").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(25))
                .until(() -> connections(3) == 0 && nodesListed() == 3);
        // HAProxy routes to node3 once two of its checks passed: only then can leastconn place anyone there
        await("HAProxy sees node3 up").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(25))
                .until(() -> haproxyServerUp("node3"));
        Actuator.Answer rebalance = Actuator.post(management(2), "/actuator/rebalance", null);
        assertThat(rebalance.status()).isEqualTo(200);
        await("rebalance ended").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(25))
                .until(() -> !"running".equals(Actuator.get(management(2), "/actuator/rebalance")
                .json().get("state")));

        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(25))
                .untilAsserted(() -> assertThat(clients.stream().allMatch(ResumingClient::isJoined))
                .as(() -> "every shed client back: " + clients).isTrue());
        assertThat(connections(3)).as("shed clients placed on the new node by leastconn").isPositive();
        assertThat(clients.stream().map(ResumingClient::node)).contains("node3");
        assertThat(connections(2)).isLessThan(10);
    }

    private <T extends AutoCloseable> T track(T closeable) {
        open.add(closeable);
        return closeable;
    }

    private static int management(int node) {
        return NODE_PORT_BASE + 100 + node;
    }

    @SuppressWarnings("unchecked")
    private static int connections(int node) {
        return ((Number) ((List<Map<String, Object>>) Actuator.get(management(node), "/actuator/cluster").json()
                .get("nodes")).stream().filter(n -> ("node" + node).equals(n.get("id"))).findFirst()
                .map(n -> n.get("connections")).orElse(-1)).intValue();
    }

    /** Whether HAProxy's view ({@code show servers state} on the socket scripts/cluster gives it) has the server up. */
    private static boolean haproxyServerUp(String server) {
        java.net.UnixDomainSocketAddress socket = java.net.UnixDomainSocketAddress.of(Command.ROOT.resolve(".cluster/haproxy.sock"));
        try (java.nio.channels.SocketChannel channel = java.nio.channels.SocketChannel.open(socket)) {
            channel.write(java.nio.ByteBuffer.wrap("show servers state\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII)));
            String state = new String(java.nio.channels.Channels.newInputStream(channel).readAllBytes(),
                    java.nio.charset.StandardCharsets.US_ASCII);
            // columns: be_id be_name srv_id srv_name srv_addr srv_op_state ... (2: running)
            return state.lines().map(line -> line.split(" ")).anyMatch(f -> f.length > 5 && server.equals(f[3])
                    && "2".equals(f[5]));
        } catch (java.io.IOException e) {
            return false;
        }
    }

    @SuppressWarnings("unchecked")
    private static int nodesListed() {
        return ((List<Object>) Actuator.get(management(1), "/actuator/cluster").json().get("nodes")).size();
    }

    /** One message every 20 ms from a client that stays on node2 (it is not drained). */
    private static final class Traffic {
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final AtomicInteger sent = new AtomicInteger();
        private final CompletableFuture<Void> loop;

        Traffic(ChatClient publisher) {
            loop = CompletableFuture.runAsync(() -> {
                while (running.get()) {
                    int n = sent.get() + 1;
                    publisher.say("lobby", "m" + n, "m" + n);
                    sent.set(n);
                    try {
                        Thread.sleep(20);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }, Executors.newVirtualThreadPerTaskExecutor());
        }

        int stop() {
            running.set(false);
            loop.join();
            return sent.get();
        }
    }
}
