package io.switchboard.support;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import com.github.dockerjava.api.model.ExposedPort;
import com.github.dockerjava.api.model.PortBinding;
import com.github.dockerjava.api.model.Ports;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;

/**
 * A real Redis for one test class, that the test can stop and start again (with its data lost,
 * like a restart without persistence): a {@code redis-server} process on a free port where one is
 * installed, otherwise a Testcontainers container where a Docker engine answers. Without either, the test is skipped on a
 * developer's machine and fails under {@code CI=true}.
 */
public abstract sealed class RedisServer implements AutoCloseable {

    public abstract int port();

    /** Stops Redis: clients see it go away. */
    public abstract void stop();

    /** Starts it again on the same port: empty, or with what its append-only file holds ({@link #createWithAof}). */
    public abstract void start();

    @Override
    public abstract void close();

    /**
     * A redis-server process when one is installed (CI), else a container where Docker answers.
     * {@code -Dswitchboard.test.redis=container} or {@code =process} forces one.
     */
    public static RedisServer create() {
        return create(NO_PERSISTENCE);
    }

    /**
     * A Redis that writes every command to its append-only file before answering ({@code appendfsync
     * always}): killed and started again, it has everything it acknowledged.
     */
    public static RedisServer createWithAof() {
        return create(List.of("--save", "", "--appendonly", "yes", "--appendfsync", "always"));
    }

    private static final List<String> NO_PERSISTENCE = List.of("--save", "", "--appendonly", "no");

    private static RedisServer create(List<String> persistence) {
        String forced = System.getProperty("switchboard.test.redis", "");
        if (forced.equals("process") || (forced.isEmpty() && Command.onPath("redis-server"))) {
            return new ProcessRedis(persistence);
        }
        if (forced.equals("container") || dockerAvailable()) {
            return new ContainerRedis(persistence);
        }
        String why = "neither redis-server nor a Docker engine is available (apt-get install redis-server)";
        Command.missing(why);
        throw new IllegalStateException(why);
    }

    private static boolean dockerAvailable() {
        try {
            return DockerClientFactory.instance().isDockerAvailable();
        } catch (RuntimeException e) {
            return false;
        }
    }

    /**
     * A port nothing listens on, for a process the test starts. Picked below the kernel's ephemeral
     * range (32768-60999), not by binding port 0 (which hands out one from that range): the many
     * outgoing connections of tests running beside this one take ephemeral ports all the time, and
     * one of them could take the port between this check and the process's bind (a redis-server or
     * sentinel that then never starts). 23000-27999 also keeps clear of {@link RedisClusterProcesses}'
     * ports and bus ports, and of the fixed ports of {@code LoadBalancedClusterIT}'s nodes (28081-28184):
     * a port drawn here for a test beside it took node2's chat port once, between the script's check
     * that it was free and node2's bind.
     */
    public static int freePort() {
        while (true) {
            int port = ThreadLocalRandom.current().nextInt(FREE_PORTS_FROM, FREE_PORTS_TO);
            if (bindable(port)) {
                return port;
            }
        }
    }

    private static final int FREE_PORTS_FROM = 23_000;
    private static final int FREE_PORTS_TO = 28_000;

    static boolean bindable(int port) {
        try (ServerSocket socket = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    static boolean accepting(int port) {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** redis-server as a child process: what CI uses. */
    static final class ProcessRedis extends RedisServer {
        private final int port = freePort();
        private final Path dir;
        private final List<String> persistence;
        private Process process;

        ProcessRedis(List<String> persistence) {
            this.persistence = persistence;
            try {
                dir = Files.createTempDirectory("redis-test");
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
            start();
        }

        @Override
        public int port() {
            return port;
        }

        @Override
        public synchronized void start() {
            try {
                List<String> command = new ArrayList<>(List.of("redis-server", "--port", Integer.toString(port),
                        "--bind", "127.0.0.1", "--dir", dir.toString()));
                command.addAll(persistence);
                process = new ProcessBuilder(command)
                        .redirectErrorStream(true)
                        .redirectOutput(dir.resolve("redis.log").toFile())
                        .start();
            } catch (IOException e) {
                throw new IllegalStateException("cannot start redis-server", e);
            }
            await("redis-server accepting on " + port).atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(25))
                    .until(() -> accepting(port));
        }

        @Override
        public synchronized void stop() {
            if (process != null) {
                process.destroyForcibly();
                try {
                    process.waitFor(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                process = null;
            }
            await("redis-server stopped").atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(25))
                    .until(() -> !accepting(port));
        }

        @Override
        public void close() {
            stop();
        }
    }

    /**
     * Redis in a container, for developers with Docker: stopped and started again for real, on a
     * fixed host port, with the same persistence as the process would have.
     */
    static final class ContainerRedis extends RedisServer {
        private final int port = freePort();
        private final GenericContainer<?> container;

        ContainerRedis(List<String> persistence) {
            List<String> command = new ArrayList<>(List.of("redis-server"));
            command.addAll(persistence);
            container = new GenericContainer<>("redis:7-alpine").withCommand(command.toArray(String[]::new))
                    .withExposedPorts(6379)
                    .withCreateContainerCmdModifier(cmd -> cmd.getHostConfig().withPortBindings(
                            new PortBinding(Ports.Binding.bindPort(port), new ExposedPort(6379))));
            container.start();
        }

        @Override
        public int port() {
            return port;
        }

        @Override
        public void stop() {
            container.getDockerClient().stopContainerCmd(container.getContainerId()).exec();
            await("redis container stopped").atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(25))
                    .until(() -> !accepting(port));
        }

        @Override
        public void start() {
            container.getDockerClient().startContainerCmd(container.getContainerId()).exec();
            await("redis container accepting on " + port).atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(25))
                    .until(() -> accepting(port));
        }

        @Override
        public void close() {
            container.stop();
        }
    }
}
