package io.switchboard.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.switchboard.support.Actuator;
import io.switchboard.support.ChatClient;
import io.switchboard.support.Command;
import io.switchboard.support.Node;
import io.switchboard.support.NodeProcess;
import io.switchboard.support.RedisServer;
import io.switchboard.support.ResumingClient;
import io.switchboard.support.Unique;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntSupplier;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * scripts/compose-rollout, run for real on a machine without a Docker engine: the docker CLI it
 * calls is a stand-in (src/test/resources/fake-docker/docker) whose "containers" are real node
 * processes on one real Redis, started and SIGTERMed as Docker would. What is real: the script's
 * order of steps, its readiness waits, its drains through each node's actuator with the management
 * password, its stops; what is not: Docker itself (images, networks, HAProxy finding replicas by
 * DNS). Clients, placed on the ready replicas as a load balancer would, live through the whole
 * rollout and end on the new replicas with every message once.
 */
class ComposeRolloutIT {

    private static final String PASSWORD = "rollout-test-password";

    @TempDir
    Path state;

    private final List<AutoCloseable> open = new ArrayList<>();
    private final Map<String, int[]> ports = new HashMap<>(); // container id -> {chat, management}

    @AfterEach
    void stopAll() throws Exception {
        for (int i = open.size() - 1; i >= 0; i--) {
            open.get(i).close();
        }
        for (String line : Files.readAllLines(state.resolve("containers"))) {
            Command.run(List.of("kill", "-KILL", line.split(" ")[1]), Map.of(), 10);
        }
    }

    @Test
    void replacesEveryReplicaOneAtATimeAndEveryClientKeepsEveryMessage() throws IOException {
        Command.require("curl");
        RedisServer redis = track(RedisServer.create());
        String prefix = Unique.prefix("t");
        writeStartNode(redis.port(), prefix);
        Files.writeString(state.resolve("containers"), "");
        Path fakeDocker = Command.ROOT.resolve("chat-server/src/test/resources/fake-docker");
        Map<String, String> env = Map.of("PATH", fakeDocker + ":" + System.getenv("PATH"), "FAKE_DOCKER_STATE", state.toString(),
                "SWITCHBOARD_MANAGEMENT_PASSWORD", PASSWORD, "DRAIN_TIMEOUT", "60", "READY_TIMEOUT", "90");
        // two replicas running, as `docker compose up -d --scale chat-server=2` leaves them (two keep the
        // test short: every step repeats per replica)
        Command.Result up = Command.run(List.of(fakeDocker.resolve("docker").toString(), "compose", "up", "-d", "--scale",
                "chat-server=2", "chat-server"), env, 120);
        assertThat(up.exitCode()).as(up.output()).isZero();
        List<String> old = containers();
        assertThat(old).containsExactly("c1", "c2");
        await("both replicas ready").atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(25))
                .until(() -> old.stream().allMatch(this::ready));

        // the plan, changing nothing
        Command.Result plan = Command.run(List.of("scripts/compose-rollout", "--dry-run"), env, 60);
        assertThat(plan.exitCode()).as(plan.output()).isZero();
        assertThat(plan.output().lines().filter(line -> line.startsWith("+ docker")).toList()).containsExactly(
                "+ docker compose up -d --no-deps --no-recreate --scale chat-server=3 chat-server",
                "+ docker stop --time 45 c1", "+ docker rm c1",
                "+ docker compose up -d --no-deps --no-recreate --scale chat-server=3 chat-server",
                "+ docker stop --time 45 c2", "+ docker rm c2");
        assertThat(containers()).containsExactly("c1", "c2");

        // a conversation through the whole rollout: clients on the replicas, a publisher beside them
        IntSupplier balancer = () -> containers().stream().filter(this::ready).findAny()
                .map(id -> ports.get(id)[0]).orElseThrow(() -> new IllegalStateException("no ready replica"));
        List<ResumingClient> clients = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            clients.add(track(ResumingClient.join("c" + i, "rollout", balancer)));
        }
        Node beside = track(Node.onRedis(redis.port(), prefix, "publisher-node"));
        ChatClient publisher = track(ChatClient.connect(beside.port(), "Publisher"));
        publisher.join("rollout");
        AtomicBoolean sending = new AtomicBoolean(true);
        AtomicInteger sent = new AtomicInteger();
        CompletableFuture<Void> traffic = CompletableFuture.runAsync(() -> {
            while (sending.get()) {
                int n = sent.get() + 1;
                publisher.sayUntilStored("rollout", "m" + n, "m" + n);
                sent.set(n);
                sleepQuietly(50);
            }
        }, Executors.newVirtualThreadPerTaskExecutor());

        Command.Result rollout = Command.run(List.of("scripts/compose-rollout"), env, 600);
        assertThat(rollout.exitCode()).as(() -> rollout.output() + replicaLogs()).isZero();
        sending.set(false);
        traffic.join();

        assertThat(containers()).containsExactly("c3", "c4");
        List<String> calls = Files.readAllLines(state.resolve("calls"));
        for (String id : old) { // each old replica stopped only once its successor was started
            int upOneMore = calls.indexOf("compose up -d --no-deps --no-recreate --scale chat-server=3 chat-server");
            assertThat(upOneMore).isNotNegative();
            assertThat(calls.indexOf("stop --time 45 " + id)).isGreaterThan(upOneMore);
            calls = calls.subList(calls.indexOf("rm " + id) + 1, calls.size());
        }
        for (String id : old) {
            assertThat(Files.readString(state.resolve("node-" + id.substring(1) + ".log")))
                    .as("replica " + id + " drained through its actuator before it was stopped")
                    .contains("Draining (drain)").contains("Drained:");
        }
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(25))
                .untilAsserted(() -> assertThat(clients.stream().allMatch(c -> c.isJoined() && c.lastOffset() == sent.get()))
                .as(() -> "every client rejoined with all " + sent.get() + " messages: " + clients).isTrue());
        List<Long> expected = LongStream.rangeClosed(1, sent.get()).boxed().toList();
        for (ResumingClient client : clients) {
            assertThat(client.offsets()).as(client.toString()).containsExactlyElementsOf(expected);
            assertThat(client.duplicates()).isZero();
            assertThat(client.node()).isIn("c3", "c4");
        }
    }

    /** The last lines of every replica's log, for a rollout that stopped: why a replica did not get ready. */
    private String replicaLogs() {
        StringBuilder logs = new StringBuilder();
        for (int n = 1; n <= 4; n++) {
            Path log = state.resolve("node-" + n + ".log");
            try {
                List<String> lines = Files.exists(log) ? Files.readAllLines(log) : List.of();
                logs.append("\n--- node-").append(n).append(".log (last 40 lines)\n")
                        .append(String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size())));
            } catch (IOException e) {
                logs.append("\n--- node-").append(n).append(".log unreadable: ").append(e);
            }
        }
        return logs.toString();
    }

    /** The command the fake docker runs to start replica number N: a node process, as the image runs it. */
    private void writeStartNode(int redisPort, String prefix) throws IOException {
        StringBuilder cases = new StringBuilder();
        for (int n = 1; n <= 4; n++) {
            int chat = NodeProcess.freePort();
            int management = NodeProcess.freePort();
            ports.put("c" + n, new int[] {chat, management});
            cases.append("  ").append(n).append(") chat=").append(chat).append(" management=").append(management)
                    .append(" ;;\n");
        }
        Map<String, String> properties = Node.redisProperties(redisPort, prefix, "ignored");
        properties.remove("switchboard.node-id"); // each its own, below, as are its ports
        properties.remove("server.port");
        properties.remove("management.server.port");
        properties.put("switchboard.management.password", PASSWORD);
        properties.put("switchboard.drain.health-check-wait", "500ms");
        properties.put("switchboard.drain.window", "1s");
        properties.put("switchboard.rebalance.auto", "false");
        StringBuilder args = new StringBuilder();
        properties.forEach((key, value) -> args.append(" '--").append(key).append('=').append(value).append('\''));
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Path script = state.resolve("start-node");
        Files.writeString(script, "#!/usr/bin/env bash\ncase $1 in\n" + cases + "esac\n"
                + "nohup '" + java + "' -cp '" + System.getProperty("java.class.path") + "' io.switchboard.SwitchboardApplication"
                + " --server.port=$chat --management.server.port=$management --switchboard.node-id=c$1" + args
                + " < /dev/null > '" + state + "'/node-$1.log 2>&1 &\necho \"$! $management\"\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
    }

    private List<String> containers() {
        try {
            return Files.readAllLines(state.resolve("containers")).stream().map(line -> line.split(" ")[0]).toList();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private boolean ready(String id) {
        try {
            return Actuator.get(ports.get(id)[1], "/actuator/health/readiness").status() == 200;
        } catch (RuntimeException notListening) {
            return false;
        }
    }

    private <T extends AutoCloseable> T track(T closeable) {
        open.add(closeable);
        return closeable;
    }

    private static void sleepQuietly(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
