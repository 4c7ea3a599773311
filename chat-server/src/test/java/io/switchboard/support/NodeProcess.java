package io.switchboard.support;

import static org.awaitility.Awaitility.await;

import io.switchboard.SwitchboardApplication;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A Switchboard node in its own JVM, so a test can kill it the hard way (SIGKILL). */
public final class NodeProcess implements AutoCloseable {

    private static final Pattern PORT = Pattern.compile("Jetty started on port (\\d+)");
    private final Process process;
    private final Path log;
    private int port;

    /** A node of this build (the test's classpath). */
    public NodeProcess(Map<String, String> properties) {
        this(List.of("-cp", System.getProperty("java.class.path"), SwitchboardApplication.class.getName()), properties);
    }

    /** A node of another build: its packaged jar (an earlier release's, for a mixed-version cluster). */
    public NodeProcess(Path jar, Map<String, String> properties) {
        this(List.of("-jar", jar.toString()), properties);
    }

    private NodeProcess(List<String> launch, Map<String, String> properties) {
        try {
            log = Files.createTempFile("node", ".log");
            List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
            command.addAll(launch);
            properties.forEach((k, v) -> command.add("--" + k + "=" + v));
            process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        String fixed = properties.getOrDefault("server.port", "0");
        await("node process listening").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(25)).until(() -> {
            if (!process.isAlive()) {
                throw new AssertionError("node process exited:\n" + read());
            }
            String output = read();
            if (!fixed.equals("0")) {
                port = Integer.parseInt(fixed);
                return output.contains("Started " + SwitchboardApplication.class.getSimpleName());
            }
            Matcher m = PORT.matcher(output);
            if (m.find()) {
                port = Integer.parseInt(m.group(1));
                return true;
            }
            return false;
        });
        // Readiness turns ACCEPTING_TRAFFIC just after the log says started: until then handshakes get 503.
        await("node process ready").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(25)).until(() -> {
            try {
                return Actuator.handshake(port).status() == 101;
            } catch (IllegalStateException notListening) {
                return false;
            }
        });
    }

    public int port() {
        return port;
    }

    /** A free TCP port on 127.0.0.1, to give a node process fixed ports. */
    public static int freePort() {
        return RedisServer.freePort();
    }

    /** SIGTERM, as Kubernetes and docker-compose send it; returns at once. */
    public void terminate() {
        process.destroy();
    }

    /** Waits for the process to exit (after {@link #terminate}). */
    public void awaitExit(Duration timeout) {
        try {
            if (!process.waitFor(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)) {
                throw new AssertionError("node process still running after " + timeout + ":\n" + read());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** Everything the node logged so far. */
    public String log() {
        return read();
    }

    /** SIGKILL: the node's sockets vanish, nothing is said to Redis. */
    public void kill() {
        process.destroyForcibly();
        try {
            process.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private String read() {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return "";
        }
    }

    @Override
    public void close() {
        kill();
    }
}
