package io.switchboard.support;

import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;
import tools.jackson.databind.json.JsonMapper;

/**
 * A well-behaved client as docs/protocol.md asks for: it stays in one room, keeps its position, and
 * when the server says {@code reconnect} and closes with 1012 it waits the hinted delay, connects to
 * whatever node {@code pickPort} (the test's stand-in for a load balancer) gives, and resumes with
 * {@code since}. A refused handshake (503 while a node drains) is retried the same way. It counts
 * what it got: every offset in arrival order, duplicates and gaps, and how long each move took.
 */
public final class ResumingClient implements AutoCloseable {

    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final ScheduledExecutorService TIMER = Executors.newScheduledThreadPool(2,
            Thread.ofPlatform().name("resuming-client").daemon().factory());
    private static final long RETRY_MS = 100;

    private final String name;
    private final String room;
    private final IntSupplier pickPort;
    private final List<Long> offsets = new ArrayList<>();
    private final List<Long> moveMillis = new ArrayList<>();
    private volatile WebSocket socket;
    private CompletableFuture<WebSocket> lastSend = CompletableFuture.completedFuture(null);
    private volatile int port;
    private volatile boolean closed;
    private volatile boolean joined;
    private volatile long retryAfterMs = RETRY_MS;
    private volatile long disconnectedAt;
    private volatile int moves;
    private volatile String node;
    private String epoch;
    private long lastOffset;
    private int duplicates;
    private int gaps;

    private ResumingClient(String name, String room, IntSupplier pickPort) {
        this.name = name;
        this.room = room;
        this.pickPort = pickPort;
    }

    /** Connects, says hello, joins {@code room} and waits until joined. */
    public static ResumingClient join(String name, String room, IntSupplier pickPort) {
        ResumingClient client = new ResumingClient(name, room, pickPort);
        client.connect();
        await(name + " joined " + room).atMost(ChatClient.TIMEOUT).pollInterval(Duration.ofMillis(25)).until(() -> client.joined);
        return client;
    }

    /** The port of the node it is connected to now (or last was). */
    public int port() {
        return port;
    }

    /** The id of the node it is connected to now (from {@code welcome}). */
    public String node() {
        return node;
    }

    public boolean isJoined() {
        return joined;
    }

    /** How many times it moved to another node. */
    public int moves() {
        return moves;
    }

    public synchronized List<Long> offsets() {
        return List.copyOf(offsets);
    }

    public synchronized int duplicates() {
        return duplicates;
    }

    public synchronized int gaps() {
        return gaps;
    }

    public synchronized long lastOffset() {
        return lastOffset;
    }

    @Override
    public synchronized String toString() {
        return name + "{port=" + port + ", joined=" + joined + ", moves=" + moves + ", lastOffset=" + lastOffset
                + ", duplicates=" + duplicates + ", gaps=" + gaps + "}";
    }

    /** Milliseconds from each close to joined again on the next node. */
    public synchronized List<Long> moveMillis() {
        return List.copyOf(moveMillis);
    }

    private void connect() {
        if (closed) {
            return;
        }
        int target = pickPort.getAsInt();
        HTTP.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(5))
                .buildAsync(URI.create("ws://127.0.0.1:" + target + "/ws"), new Listener())
                .whenComplete((ws, error) -> {
                    if (error != null) {
                        TIMER.schedule(this::connect, RETRY_MS, TimeUnit.MILLISECONDS);
                    } else {
                        port = target;
                        socket = ws;
                    }
                });
    }

    /** The JDK's WebSocket refuses a send while the previous one is incomplete: each waits for the last. */
    private synchronized void send(WebSocket ws, Map<String, ?> frame) {
        String text = JSON.writeValueAsString(frame);
        lastSend = lastSend.handle((ok, error) -> null).thenCompose(ignored -> ws.sendText(text, true));
    }

    private synchronized void join(WebSocket ws) {
        send(ws, epoch == null ? Map.of("type", "join", "room", room, "ref", "join")
                : Map.of("type", "join", "room", room, "ref", "join",
                        "since", Map.of("epoch", epoch, "offset", lastOffset)));
    }

    @SuppressWarnings("unchecked")
    private synchronized void onFrame(WebSocket ws, Map<String, Object> frame) {
        switch ((String) frame.get("type")) {
            case "welcome" -> {
                node = (String) frame.get("node");
                send(ws, Map.of("type", "hello", "name", name));
            }
            case "hello_ok" -> join(ws);
            case "error" -> {
                // a join refused for now (broker_unavailable): a client retries it, as after a reconnect
                if ("join".equals(frame.get("ref"))) {
                    System.err.println(name + ": join refused (" + frame.get("code") + "); retrying");
                    TIMER.schedule(() -> join(ws), RETRY_MS, TimeUnit.MILLISECONDS);
                }
            }
            case "joined" -> {
                if (epoch == null) {
                    lastOffset = ((Number) frame.get("offset")).longValue();
                } else if (disconnectedAt != 0) {
                    moveMillis.add((System.nanoTime() - disconnectedAt) / 1_000_000);
                    disconnectedAt = 0;
                }
                epoch = (String) frame.get("epoch");
                joined = true;
            }
            case "message" -> {
                long offset = ((Number) frame.get("offset")).longValue();
                if (offset <= lastOffset) {
                    duplicates++;
                } else {
                    if (offset != lastOffset + 1) {
                        gaps++;
                    }
                    lastOffset = offset;
                    offsets.add(offset);
                }
            }
            case "reconnect" -> retryAfterMs = ((Number) frame.get("retryAfterMs")).longValue();
            default -> { }
        }
    }

    private void onGone() {
        joined = false;
        if (closed) {
            return;
        }
        synchronized (this) {
            if (disconnectedAt == 0) {
                disconnectedAt = System.nanoTime();
            }
            moves++;
        }
        long delay = retryAfterMs;
        retryAfterMs = RETRY_MS;
        TIMER.schedule(this::connect, delay, TimeUnit.MILLISECONDS);
    }

    @Override
    public void close() {
        closed = true;
        WebSocket ws = socket;
        if (ws != null) {
            ws.abort();
        }
    }

    private final class Listener implements WebSocket.Listener {
        private final StringBuilder text = new StringBuilder();

        @Override
        @SuppressWarnings("unchecked")
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            text.append(data);
            if (last) {
                onFrame(webSocket, JSON.readValue(text.toString(), Map.class));
                text.setLength(0);
            }
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
            onGone();
            return null;
        }

        @Override
        public void onError(WebSocket webSocket, Throwable error) {
            onGone();
        }
    }
}
