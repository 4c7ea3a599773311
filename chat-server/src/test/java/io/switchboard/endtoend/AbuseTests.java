package io.switchboard.endtoend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.switchboard.support.ChatClient;
import io.switchboard.support.Node;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * A node under abuse, on real sockets: handshakes that drip their headers (slowloris) and clients
 * that join a busy room and never read. The node's heap stays bounded, and a healthy client gets
 * every message once and in order; its delivery latency with and without the abuse is printed.
 */
class AbuseTests {

    private static final int SLOW_HANDSHAKES = 300;
    private static final int NON_READERS = 40;
    private static final int MESSAGES = 1500;
    private static final String TEXT = "x".repeat(3900);

    @Test
    void slowHandshakesAndClientsThatNeverReadCostBoundedMemoryAndSpareHealthyClients() throws Exception {
        try (Node node = Node.inMemory("switchboard.limits.messages-per-second=100000",
                "switchboard.limits.burst=100000", "switchboard.outbox.max-bytes=256KB",
                "server.jetty.connection-idle-timeout=2s");
             ChatClient ada = ChatClient.connect(node.port(), "Ada");
             ChatClient bob = ChatClient.connect(node.port(), "Bob");
             ExecutorService abusers = Executors.newVirtualThreadPerTaskExecutor()) {
            ada.join("busy");
            bob.join("busy");
            List<Long> calm = send(ada, bob, 0, 200);
            long heapBefore = heapAfterGc();

            AtomicBoolean abusing = new AtomicBoolean(true);
            List<Socket> sockets = new CopyOnWriteArrayList<>();
            for (int i = 0; i < SLOW_HANDSHAKES; i++) {
                abusers.submit(() -> dripHeaders(node.port(), abusing, sockets));
            }
            for (int i = 0; i < NON_READERS; i++) {
                sockets.add(joinAndNeverRead(node.port(), "busy", i));
            }
            await("the non-readers connected").atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(25))
                    .until(() -> node.connections() >= NON_READERS + 2);

            List<Long> abused = send(ada, bob, 200, MESSAGES);
            long heapDuring = heapAfterGc();
            try (ChatClient late = ChatClient.connect(node.port(), "Late")) { // the node still takes newcomers
                assertThat(late.join("busy")).containsEntry("type", "joined");
            }
            abusing.set(false);
            for (Socket socket : sockets) {
                socket.close();
            }

            System.out.printf("delivery to a healthy client, ms: calm p50 %d p99 %d; under abuse p50 %d p99 %d "
                    + "(%d slow handshakes, %d clients not reading); heap after GC %d MB -> %d MB%n",
                    percentile(calm, 50), percentile(calm, 99), percentile(abused, 50), percentile(abused, 99),
                    SLOW_HANDSHAKES, NON_READERS, heapBefore >> 20, heapDuring >> 20);
            // Unbounded, the non-readers' queues alone would hold MESSAGES x 4 KB each (about 6 MB,
            // 240 MB for all); bounded, at most outbox.max-bytes (256 KB) each, and the overflowing
            // ones are closed (4008).
            assertThat(heapDuring - heapBefore).as("heap growth in bytes").isLessThan(64L << 20);
        }
    }

    /** Ada sends {@code count} messages one after another; Bob's delivery latency of each, in ms. */
    private static List<Long> send(ChatClient ada, ChatClient bob, int from, int count) {
        List<Long> latencies = new ArrayList<>();
        for (int i = from; i < from + count; i++) {
            ada.say("busy", i + " " + TEXT, "m-" + i);
            int n = i;
            Map<String, Object> got = bob.await(f -> "message".equals(f.get("type")));
            assertThat(got.get("text")).as("message %d once, in order", n).isEqualTo(n + " " + TEXT);
            latencies.add(System.currentTimeMillis() - ((Number) got.get("ts")).longValue());
        }
        return latencies;
    }

    /** A handshake that sends a header line every half second and never finishes. */
    private static void dripHeaders(int port, AtomicBoolean abusing, List<Socket> sockets) {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            sockets.add(socket);
            OutputStream out = socket.getOutputStream();
            out.write(("GET /ws HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\n").getBytes(StandardCharsets.US_ASCII));
            for (int i = 0; abusing.get(); i++) {
                out.write(("X-Slow-" + i + ": still coming\r\n").getBytes(StandardCharsets.US_ASCII));
                out.flush();
                Thread.sleep(500);
            }
        } catch (IOException e) {
            // the node dropped it (a header block too large, or the socket closed by the test)
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** A client that says hello, joins {@code room}, and from then on reads nothing. */
    private static Socket joinAndNeverRead(int port, String room, int i) throws IOException {
        Socket socket = new Socket();
        socket.setReceiveBufferSize(4096); // a phone on a bad network: what is sent piles up on the node
        socket.connect(new java.net.InetSocketAddress("127.0.0.1", port));
        OutputStream out = socket.getOutputStream();
        out.write(("GET /ws HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        out.write(maskedText("{\"type\":\"hello\",\"name\":\"Stuck" + i + "\"}"));
        out.write(maskedText("{\"type\":\"join\",\"room\":\"" + room + "\"}"));
        out.flush();
        return socket;
    }

    /** A client text frame (masked, as RFC 6455 requires of clients; the mask is zero). */
    private static byte[] maskedText(String text) {
        byte[] payload = text.getBytes(StandardCharsets.UTF_8);
        byte[] frame = new byte[6 + payload.length];
        frame[0] = (byte) 0x81;
        frame[1] = (byte) (0x80 | payload.length); // under 126 bytes
        System.arraycopy(payload, 0, frame, 6, payload.length);
        return frame;
    }

    private static long heapAfterGc() {
        System.gc();
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    private static long percentile(List<Long> values, int percent) {
        List<Long> sorted = values.stream().sorted().toList();
        return sorted.get(Math.min(sorted.size() - 1, sorted.size() * percent / 100));
    }
}
