package io.switchboard.support;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.net.UnixDomainSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * A real HAProxy in front of nodes of this JVM, from deploy/haproxy.cfg as scripts/cluster makes
 * it (one {@code server} line per node, checked on its management port), with the balancing
 * algorithm the test asks for and a stats socket to read its view of the nodes.
 */
public final class Haproxy implements AutoCloseable {

    private final Process process;
    private final Path socket;
    private final int port = NodeProcess.freePort();

    /** {@code nodes}: name → {chat port, management port}; they need not run yet. */
    public Haproxy(Map<String, int[]> nodes, String balance) throws IOException {
        Command.require("haproxy");
        Path dir = Files.createTempDirectory("haproxy");
        socket = dir.resolve("haproxy.sock");
        StringBuilder servers = new StringBuilder();
        nodes.forEach((name, ports) -> servers.append("    server ").append(name).append(" 127.0.0.1:").append(ports[0])
                .append(" port ").append(ports[1]).append('\n'));
        String config = Files.readString(Command.ROOT.resolve("deploy/haproxy.cfg"))
                .replaceFirst("(?m)^    server-template chat- .*\\n", servers.toString().replace("$", "\\$"))
                .replaceFirst("(?m)^    server-template chat-more- .*\\n", "") // one chat port per node here
                .replaceFirst("(?m)^    balance leastconn$", "    balance " + balance)
                .replaceFirst("(?m)^global$", "global\n    stats socket " + socket + " mode 600 level user");
        Path file = dir.resolve("haproxy.cfg");
        Files.writeString(file, config);
        ProcessBuilder builder = new ProcessBuilder("haproxy", "-db", "-f", file.toString()).redirectErrorStream(true)
                .redirectOutput(dir.resolve("haproxy.log").toFile());
        builder.environment().putAll(Map.of("LB_BIND", "127.0.0.1:" + port, "CHAT_SERVICE", "unused",
                "CHAT_MANAGEMENT_PORT", "1"));
        process = builder.start();
        await("HAProxy listening").atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(25))
                .until(() -> RedisServer.accepting(port));
    }

    public int port() {
        return port;
    }

    /** Whether HAProxy routes to {@code server} now (its checks passed). */
    public boolean isUp(String server) {
        try (SocketChannel channel = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
            channel.write(ByteBuffer.wrap("show servers state\n".getBytes(StandardCharsets.US_ASCII)));
            String state = new String(Channels.newInputStream(channel).readAllBytes(), StandardCharsets.US_ASCII);
            // columns: be_id be_name srv_id srv_name srv_addr srv_op_state ... (2: running)
            return state.lines().map(line -> line.split(" ")).anyMatch(f -> f.length > 5 && server.equals(f[3])
                    && "2".equals(f[5]));
        } catch (IOException e) {
            return false;
        }
    }

    @Override
    public void close() {
        process.destroyForcibly();
    }
}
