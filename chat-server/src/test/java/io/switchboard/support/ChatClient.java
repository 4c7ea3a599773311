package io.switchboard.support;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.awaitility.Awaitility;
import tools.jackson.databind.json.JsonMapper;

/**
 * A real WebSocket client (the JDK's) speaking the chat protocol, for tests. Frames arrive in a
 * queue; {@link #await} takes the next one matching a predicate and keeps the others in order.
 */
public final class ChatClient implements AutoCloseable {

    public static final Duration TIMEOUT = Duration.ofSeconds(20);
    /** {@link #closeCode()} of a connection that ended without a close frame (a reset, a broken pipe). */
    public static final int DROPPED = -1;
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final BlockingQueue<Map<String, Object>> frames = new LinkedBlockingQueue<>();
    private volatile String closeReason;
    private final List<Map<String, Object>> skipped = new ArrayList<>();
    private final CompletableFuture<Integer> closeCode = new CompletableFuture<>();
    private final WebSocket socket;
    private volatile boolean reading = true;
    public final String sessionId;

    private ChatClient(int port) {
        socket = HTTP.newWebSocketBuilder().connectTimeout(TIMEOUT)
                .buildAsync(URI.create("ws://127.0.0.1:" + port + "/ws"), new Listener())
                .orTimeout(TIMEOUT.toSeconds(), TimeUnit.SECONDS).join();
        sessionId = (String) await("welcome").get("sessionId");
    }

    /** Connects and says hello. */
    public static ChatClient connect(int port, String name) {
        ChatClient client = new ChatClient(port);
        client.send(Map.of("type", "hello", "name", name));
        client.await("hello_ok");
        return client;
    }

    /** Connects and says hello with a token (switchboard.auth.mode=jwt). */
    public static ChatClient connectWithToken(int port, String token) {
        ChatClient client = new ChatClient(port);
        client.send(Map.of("type", "hello", "token", token));
        client.await("hello_ok");
        return client;
    }

    /** Connects without hello. */
    public static ChatClient connectRaw(int port) {
        return new ChatClient(port);
    }

    public void send(Map<String, ?> frame) {
        sendText(JSON.writeValueAsString(frame));
    }

    public void sendText(String text) {
        socket.sendText(text, true).orTimeout(TIMEOUT.toSeconds(), TimeUnit.SECONDS).join();
    }

    /** Sends one text message as several frames: the first text frame, then continuations. */
    public void sendFragmented(List<String> parts) {
        for (int i = 0; i < parts.size(); i++) {
            socket.sendText(parts.get(i), i == parts.size() - 1).orTimeout(TIMEOUT.toSeconds(), TimeUnit.SECONDS).join();
        }
    }

    public void sendBinary(byte[] bytes) {
        socket.sendBinary(ByteBuffer.wrap(bytes), true).orTimeout(TIMEOUT.toSeconds(), TimeUnit.SECONDS).join();
    }

    /** Leaves and waits for {@code left}. */
    public void leave(String room) {
        send(Map.of("type", "leave", "room", room, "ref", "leave"));
        await(f -> "left".equals(f.get("type")) && room.equals(f.get("room")));
    }

    /** Joins and waits for {@code joined}. */
    public Map<String, Object> join(String room) {
        send(Map.of("type", "join", "room", room));
        return await(f -> "joined".equals(f.get("type")) && room.equals(f.get("room")));
    }

    /** Joins with {@code since} and waits for {@code joined}. */
    public Map<String, Object> join(String room, String epoch, long offset) {
        send(Map.of("type", "join", "room", room, "since", Map.of("epoch", epoch, "offset", offset)));
        return await(f -> "joined".equals(f.get("type")) && room.equals(f.get("room")));
    }

    /** Sends a message and waits for its {@code ack}. */
    public Map<String, Object> say(String room, String text, String clientMsgId) {
        send(Map.of("type", "send", "room", room, "text", text, "clientMsgId", clientMsgId));
        return await(f -> "ack".equals(f.get("type")) && clientMsgId.equals(f.get("clientMsgId")));
    }

    /**
     * Sends until acknowledged, retrying each refusal ({@code broker_unavailable} while Redis fails
     * over) with the same clientMsgId, as the protocol asks.
     */
    public Map<String, Object> sayUntilStored(String room, String text, String clientMsgId) {
        return sayUntilStored(room, text, clientMsgId, TIMEOUT);
    }

    /** {@link #sayUntilStored(String, String, String)}, retrying for up to {@code patience}. */
    public Map<String, Object> sayUntilStored(String room, String text, String clientMsgId, Duration patience) {
        long deadline = System.nanoTime() + patience.toNanos();
        while (true) {
            send(Map.of("type", "send", "room", room, "text", text, "clientMsgId", clientMsgId));
            Map<String, Object> answer = await(f -> "error".equals(f.get("type"))
                    || ("ack".equals(f.get("type")) && clientMsgId.equals(f.get("clientMsgId"))));
            if ("ack".equals(answer.get("type"))) {
                return answer;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError(clientMsgId + " still refused after " + patience + ": " + answer);
            }
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }

    /**
     * Reads {@code message} frames until every text of {@code expected} has come (failing after 30 s);
     * answers the texts of all messages read, in the order they came.
     */
    public List<Object> messageTextsUntil(List<String> expected) {
        List<Object> received = new ArrayList<>();
        // Awaitility named in full: this class's own await methods hide the static import
        Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(25)).untilAsserted(() -> {
            received.addAll(drain(Duration.ofMillis(100)).stream()
                    .filter(f -> "message".equals(f.get("type"))).map(f -> f.get("text")).toList());
            assertThat(received).as("message texts read").containsAll(expected);
        });
        return received;
    }

    public Map<String, Object> await(String type) {
        return await(f -> type.equals(f.get("type")));
    }

    /** The next frame matching {@code match}; earlier non-matching frames stay queued for later awaits. */
    public Map<String, Object> await(Predicate<Map<String, Object>> match) {
        return next(match, false);
    }

    /**
     * As {@link #await(Predicate)}, but {@code null} as soon as the server has closed the connection
     * without sending a matching frame first.
     */
    public Map<String, Object> awaitUnlessClosed(Predicate<Map<String, Object>> match) {
        return next(match, true);
    }

    private Map<String, Object> next(Predicate<Map<String, Object>> match, boolean untilClosed) {
        for (int i = 0; i < skipped.size(); i++) {
            if (match.test(skipped.get(i))) {
                return skipped.remove(i);
            }
        }
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        // Watching for the close, wake up now and then; the listener queues a frame before it sees the close.
        long slice = untilClosed ? TimeUnit.MILLISECONDS.toNanos(20) : Long.MAX_VALUE;
        while (true) {
            Map<String, Object> frame;
            try {
                frame = frames.poll(Math.max(1, Math.min(slice, deadline - System.nanoTime())), TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
            if (frame == null) {
                if (untilClosed && closeCode.isDone() && frames.isEmpty()) {
                    return null;
                }
                if (System.nanoTime() - deadline >= 0) {
                    throw new AssertionError("no matching frame within " + TIMEOUT + "; unmatched: " + skipped);
                }
                continue;
            }
            if (match.test(frame)) {
                return frame;
            }
            skipped.add(frame);
        }
    }

    /** The {@code message} frames of a room, in arrival order, until {@code count} have arrived. */
    public List<Map<String, Object>> messages(String room, int count) {
        List<Map<String, Object>> messages = new ArrayList<>();
        while (messages.size() < count) {
            messages.add(await(f -> "message".equals(f.get("type")) && room.equals(f.get("room"))));
        }
        return messages;
    }

    /**
     * Reads up to the first frame matching {@code marker} and answers every frame before it, in
     * arrival order (those earlier awaits skipped first); all of them and the marker are taken off
     * the queue. For "nothing more arrives": have the server send a frame that is ordered after the
     * unwanted one would have been (a later message of the same room, a reply to a later request),
     * and check what came before it. Fails as {@link #await(Predicate)} does if the marker never comes.
     */
    public List<Map<String, Object>> until(Predicate<Map<String, Object>> marker) {
        List<Map<String, Object>> before = new ArrayList<>();
        while (!skipped.isEmpty()) {
            Map<String, Object> frame = skipped.removeFirst();
            if (marker.test(frame)) {
                return before;
            }
            before.add(frame);
        }
        next(frame -> {
            if (marker.test(frame)) {
                return true;
            }
            before.add(frame);
            return false;
        }, false);
        skipped.clear(); // each of them is in before
        return before;
    }

    /** A predicate for {@link #until}: the {@code message} frame of {@code room} whose text is {@code text}. */
    public static Predicate<Map<String, Object>> message(String room, String text) {
        return f -> "message".equals(f.get("type")) && room.equals(f.get("room")) && text.equals(f.get("text"));
    }

    /** Frames that arrive within {@code quiet}, for asserting that nothing more comes. */
    public List<Map<String, Object>> drain(Duration quiet) {
        List<Map<String, Object>> rest = new ArrayList<>(skipped);
        skipped.clear();
        try {
            Map<String, Object> frame;
            while ((frame = frames.poll(quiet.toMillis(), TimeUnit.MILLISECONDS)) != null) {
                rest.add(frame);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return rest;
    }

    /** The close code the server sent, waiting for it. */
    public int closeCode() {
        return closeCode.orTimeout(TIMEOUT.toSeconds(), TimeUnit.SECONDS).join();
    }

    /** The reason of the server's close frame, once {@link #closeCode()} answered. */
    public String closeReason() {
        closeCode();
        return closeReason;
    }

    /** Stops reading from the socket, like a client on a stalled network: the server's sends back up. */
    public void stopReading() {
        reading = false;
    }

    public boolean isClosed() {
        return closeCode.isDone();
    }

    @Override
    public void close() {
        if (!closeCode.isDone()) {
            socket.abort();
        }
    }

    private final class Listener implements WebSocket.Listener {
        private final StringBuilder text = new StringBuilder();

        @Override
        @SuppressWarnings("unchecked")
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            text.append(data);
            if (last) {
                frames.add(JSON.readValue(text.toString(), Map.class));
                text.setLength(0);
            }
            if (reading) {
                webSocket.request(1);
            }
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
            closeReason = reason;
            closeCode.complete(statusCode);
            return null;
        }

        @Override
        public void onError(WebSocket webSocket, Throwable error) {
            closeCode.complete(DROPPED);
        }
    }
}
