package io.switchboard.endtoend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.switchboard.support.Command;
import io.switchboard.support.NodeProcess;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Isolated;

/**
 * scripts/cluster as an operator meets it: a start that fails leaves nothing running and says what
 * failed, the nodes (whose management ports take drains without a password) listen on the loopback
 * interface only, and Ctrl-C stops the cluster once. Runs after {@code package} (failsafe), since
 * the script starts the packaged jar.
 */
// Alone: its state is this checkout's one .cluster/, as LoadBalancedClusterIT's, and it checks that
// nothing listens on its ports any more, which a test running beside it could be doing by chance.
@Isolated
class ClusterScriptIT {

    private static final Path STATE = Command.ROOT.resolve(".cluster");
    private final int lbPort = NodeProcess.freePort();
    private final int redisPort = NodeProcess.freePort();
    private final int nodePortBase = freeNodePortBase();
    private final Map<String, String> env = Map.of("LB_PORT", Integer.toString(lbPort),
            "REDIS_PORT", Integer.toString(redisPort), "NODE_PORT_BASE", Integer.toString(nodePortBase));

    @BeforeEach
    void needsItsProgramsAndNoClusterOfThisCheckout() throws IOException {
        Command.require("redis-server");
        Command.require("haproxy");
        Command.require("curl");
        // the tests stop what they start; a cluster someone started from this checkout is theirs to stop
        assertThat(pidFiles()).as("scripts/cluster runs from this checkout: stop it before the tests").isEmpty();
    }

    @AfterEach
    void stopCluster() {
        Command.run(List.of("scripts/cluster", "stop"), env, 120);
    }

    @Test
    void aStartOntoABusyLoadBalancerPortSaysSoAndStartsNothing() throws IOException {
        try (ServerSocket busy = new ServerSocket(lbPort, 50, InetAddress.getLoopbackAddress())) {
            Command.Result started = Command.run(List.of("scripts/cluster", "start", "1"), env, 300);
            assertThat(started.exitCode()).as(started.output()).isEqualTo(1);
            assertThat(started.output()).contains("port " + lbPort + " (LB_PORT, the load balancer) is in use");
        }
        assertNothingRuns();
    }

    @Test
    void aStartWhoseNodeFailsStopsWhatItStartedAndSaysWhy() throws IOException {
        Map<String, String> broken = new java.util.HashMap<>(env);
        broken.put("SWITCHBOARD_ARGS", "--switchboard.broker=no-such-broker");
        Command.Result started = Command.run(List.of("scripts/cluster", "start", "1"), broken, 300);
        assertThat(started.exitCode()).as(started.output()).isEqualTo(1);
        assertThat(started.output()).contains("node1 did not become ready", "stopping what this start began", "stopped");
        assertNothingRuns();
    }

    @Test
    void nodesListenOnLoopbackOnlyAndCtrlCStopsTheClusterOnce() throws Exception {
        Command.require("ss");
        ProcessBuilder builder = new ProcessBuilder("scripts/cluster", "1").directory(Command.ROOT.toFile())
                .redirectErrorStream(true);
        builder.environment().putAll(env);
        Process cluster = builder.start();
        List<String> output = new CopyOnWriteArrayList<>();
        CompletableFuture<Void> reader = CompletableFuture.runAsync(() -> readLines(cluster, output));
        try {
            await().atMost(Duration.ofSeconds(240)).pollInterval(Duration.ofMillis(25))
                    .untilAsserted(() -> assertThat(output.contains("Ctrl-C stops the cluster.") || !cluster.isAlive())
                    .as(() -> "the cluster started: " + output).isTrue());
            assertThat(cluster.isAlive()).as("running in the foreground: %s", output).isTrue();
            assertNodesUseTheAotCache();

            for (int port : List.of(nodePortBase + 1, nodePortBase + 101, lbPort, redisPort)) {
                assertThat(listeners(port)).as("what listens on port %d", port).isNotEmpty()
                        .allSatisfy(address -> assertThat(address).isIn("127.0.0.1:" + port, "[::ffff:127.0.0.1]:" + port));
            }

            // a terminal's Ctrl-C: SIGINT to the script (and to the rest of its process group, which ignores it)
            Command.signal("INT", cluster);
            assertThat(cluster.waitFor(120, TimeUnit.SECONDS)).as("stopped after SIGINT: %s", output).isTrue();
            reader.get(10, TimeUnit.SECONDS);
        } finally {
            cluster.destroy();
        }
        assertThat(output.stream().filter("stopped"::equals)).as("%s", output).hasSize(1);
        assertNothingRuns();
    }

    /**
     * On JDK 25 or newer (scripts/java21 picks the newest JDK, which runs these tests too) the node
     * runs from the extracted jar with the build's AOT cache, and the JVM took it: one that does not
     * fit (another class path, another JDK) makes it print an {@code [aot]} warning or error.
     */
    private static void assertNodesUseTheAotCache() throws IOException {
        if (Runtime.version().feature() < 25) {
            return;
        }
        String pid = Files.readString(STATE.resolve("node1.pid")).strip();
        String command = Files.readString(Path.of("/proc", pid, "cmdline")).replace('\0', ' ');
        assertThat(command).containsPattern("-XX:AOTCache=\\S*/\\.cluster/app\\.[0-9]+/switchboard\\.aot ");
        assertThat(Files.readString(STATE.resolve("node1.log"))).doesNotContainPattern("\\]\\[(error|warning) *\\]\\[aot\\]");
    }

    /** No pid file left in .cluster, and nothing accepts connections on the cluster's ports any more. */
    private void assertNothingRuns() throws IOException {
        assertThat(pidFiles()).isEmpty();
        for (int port : List.of(lbPort, redisPort, nodePortBase + 1, nodePortBase + 101)) {
            assertThat(accepts(port)).as("something listens on port %d", port).isFalse();
        }
    }

    private static List<String> pidFiles() throws IOException {
        if (!Files.isDirectory(STATE)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(STATE)) {
            return files.map(f -> f.getFileName().toString()).filter(name -> name.endsWith(".pid")).toList();
        }
    }

    /** The local addresses of the sockets listening on {@code port}, as {@code ss -ltnH} prints them. */
    private static List<String> listeners(int port) {
        Command.Result listening = Command.run(List.of("ss", "-ltnH", "sport = :" + port), Map.of(), 10);
        assertThat(listening.exitCode()).as(listening.output()).isZero();
        // columns: State Recv-Q Send-Q Local-Address:Port Peer-Address:Port
        return listening.output().lines().map(line -> line.trim().split("\\s+")).filter(f -> f.length > 3)
                .map(f -> f[3]).toList();
    }

    private static boolean accepts(int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1000);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static void readLines(Process process, List<String> lines) {
        try (BufferedReader reader = new BufferedReader(
                new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            reader.lines().forEach(lines::add);
        } catch (IOException e) {
            lines.add(e.toString());
        }
    }

    /** A base whose node 1 ports (base+1 chat, base+101 management) are free now. */
    private static int freeNodePortBase() {
        for (int attempt = 0; attempt < 100; attempt++) {
            int base = NodeProcess.freePort() - 1;
            if (base + 101 < 65536 && !accepts(base + 1) && !accepts(base + 101)) {
                return base;
            }
        }
        throw new IllegalStateException("no free pair of ports for a node");
    }
}
