package io.switchboard.support;

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

    private static final Pattern PORT = Pattern.compile("Tomcat started on port (\\d+)");
    private final Process process;
    private final Path log;
    private int port;

    public NodeProcess(Map<String, String> properties) {
        try {
            log = Files.createTempFile("node", ".log");
            List<String> command = new ArrayList<>(List.of(
                    Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-cp", System.getProperty("java.class.path"),
                    SwitchboardApplication.class.getName()));
            properties.forEach((k, v) -> command.add("--" + k + "=" + v));
            process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        Wait.until(Duration.ofSeconds(60), () -> {
            if (!process.isAlive()) {
                throw new AssertionError("node process exited:\n" + read());
            }
            Matcher m = PORT.matcher(read());
            if (m.find()) {
                port = Integer.parseInt(m.group(1));
                return true;
            }
            return false;
        }, "node process listening");
    }

    public int port() {
        return port;
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
