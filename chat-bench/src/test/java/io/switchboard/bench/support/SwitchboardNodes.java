package io.switchboard.bench.support;

import static org.awaitility.Awaitility.await;

import io.switchboard.support.Actuator;
import io.switchboard.support.Command;
import io.switchboard.support.RedisServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Switchboard nodes as an operator runs them: the packaged chat-server jar (built earlier in the
 * reactor), one JVM each, on one Redis, with the per-connection send limit raised so one benchmark
 * publisher may send as fast as the scenario asks.
 */
public final class SwitchboardNodes implements AutoCloseable {

    private static final Path JAR = Command.ROOT.resolve("chat-server/target/chat-server-0.1.0-SNAPSHOT.jar");
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(90);

    private final List<Process> processes = new ArrayList<>();
    private final List<Integer> chatPorts = new ArrayList<>();
    private final List<Integer> managementPorts = new ArrayList<>();
    private final List<Path> logs = new ArrayList<>();

    public SwitchboardNodes(RedisServer redis, int count) {
        this(redis, count, Map.of());
    }

    /** As above, each node started with {@code settings} too, in place of the defaults below for the same names. */
    public SwitchboardNodes(RedisServer redis, int count, Map<String, String> settings) {
        if (!Files.isRegularFile(JAR)) {
            throw new IllegalStateException(JAR + " is missing: run `./mvnw package` (chat-server builds before chat-bench)");
        }
        for (int i = 1; i <= count; i++) {
            start(redis, i, settings);
        }
        for (int i = 0; i < count; i++) {
            awaitReady(i);
        }
    }

    private void start(RedisServer redis, int i, Map<String, String> settings) {
        int chat = RedisServer.freePort();
        int management = RedisServer.freePort();
        Map<String, String> all = new LinkedHashMap<>();
        all.put("switchboard.broker", "redis");
        all.put("spring.data.redis.host", "127.0.0.1");
        all.put("spring.data.redis.port", Integer.toString(redis.port()));
        all.put("switchboard.node-id", "bench-node" + i);
        all.put("server.port", Integer.toString(chat));
        all.put("management.server.port", Integer.toString(management));
        all.put("switchboard.cluster.address", "127.0.0.1:" + chat);
        all.put("switchboard.limits.messages-per-second", "100000");
        all.put("switchboard.limits.burst", "100000");
        // no load balancer to take the node out of rotation: a smoke drain need not wait for one
        all.put("switchboard.drain.health-check-wait", "200ms");
        all.putAll(settings); // one value per name: Spring would join a repeated argument's values
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar", JAR.toString()));
        all.forEach((name, value) -> command.add("--" + name + "=" + value));
        try {
            Path log = Files.createTempFile("bench-node" + i, ".log");
            Process process = new ProcessBuilder(command)
                    .redirectErrorStream(true).redirectOutput(log.toFile()).start();
            processes.add(process);
            logs.add(log);
        } catch (IOException e) {
            throw new IllegalStateException("cannot start a node: " + e, e);
        }
        chatPorts.add(chat);
        managementPorts.add(management);
    }

    private void awaitReady(int index) {
        await("node " + (index + 1) + " ready").atMost(READY_TIMEOUT).pollInterval(Duration.ofMillis(25)).until(() -> {
            if (!processes.get(index).isAlive()) {
                throw new AssertionError("node " + (index + 1) + " exited; its log: " + logs.get(index));
            }
            try {
                return Actuator.get(managementPorts.get(index), "/actuator/health/readiness").status() == 200;
            } catch (IllegalStateException notListening) {
                return false;
            }
        });
    }

    /** Each node's WebSocket address. */
    public List<String> urls() {
        return chatPorts.stream().map(port -> "ws://127.0.0.1:" + port + "/ws").toList();
    }

    /** Each node's process id. */
    public List<Long> pids() {
        return processes.stream().map(Process::pid).toList();
    }

    /** Each node's management (actuator) base address. */
    public List<String> managementUrls() {
        return managementPorts.stream().map(port -> "http://127.0.0.1:" + port).toList();
    }

    @Override
    public void close() {
        processes.forEach(Process::destroy);
        for (Process process : processes) {
            try {
                if (!process.waitFor(30, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                process.destroyForcibly();
            }
        }
    }
}
