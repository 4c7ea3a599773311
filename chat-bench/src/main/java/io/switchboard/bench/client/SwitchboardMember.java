package io.switchboard.bench.client;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ThreadLocalRandom;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.client.Response;
import org.eclipse.jetty.websocket.core.client.UpgradeListener;
import org.eclipse.jetty.websocket.core.exception.UpgradeException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * A member speaking Switchboard's protocol the way docs/protocol.md asks a well-behaved client to:
 * {@code welcome → hello → hello_ok → join → joined}, then {@code send}/{@code ack} and
 * {@code message} frames. When the node sends {@code reconnect} or closes with 1012 (or the
 * connection is lost), it waits the hinted {@code retryAfterMs} (or a random jitter up to a second),
 * connects to the next endpoint, and joins again with {@code since} set to the last position it saw,
 * so nothing is missed; a message at or below that offset is reported as a duplicate, not delivered.
 * A handshake refused with 503 is retried after its {@code Retry-After}.
 *
 * <p>Sends not yet acknowledged are kept by {@code clientMsgId} and sent again after a rejoin: the
 * server stores a retried id only once, so this is how a real client makes a send survive a move.
 * A send refused for now ({@code rate_limited}, as a rejoin's resent backlog can be, or
 * {@code broker_unavailable}) is sent again after the error's {@code retryAfterMs}: each send carries
 * its clientMsgId as {@code ref}, which the server copies into its answer. A message is lost only if
 * the server acknowledged it and a member never got it, or a send was refused for good.
 *
 * <p>{@code message} frames, one per delivery, are read with {@link JsonFields} (type, offset and
 * text straight from the bytes); every other frame is parsed by Jackson.
 */
final class SwitchboardMember implements Member, TextSocket.Listener {

    /** Close codes after which the protocol says not to reconnect: the client sent something invalid. */
    private static final List<Integer> FINAL_CLOSE_CODES = List.of(1003, 1009);
    /** Reconnect jitter when the node closed without a {@code reconnect} frame, as the protocol asks. */
    private static final long RECONNECT_JITTER_MS = 1000;
    private static final long DEFAULT_RETRY_AFTER_MS = 1000;
    private static final long JOIN_RETRY_MS = 100;
    private static final String JOIN_REF = "join";
    /** The fields {@link #fields} picks from a frame, by their number there. */
    private static final int TYPE = 0;
    private static final int OFFSET = 1;
    private static final int TEXT = 2;
    private static final byte[] MESSAGE = "message".getBytes(StandardCharsets.UTF_8);

    private final Transport transport;
    private final Endpoints endpoints;
    private final String name;
    private final String room;
    private final Member.Events events;
    private final CompletableFuture<Void> joined = new CompletableFuture<>();
    private final Map<String, String> unacked = new LinkedHashMap<>();
    private final JsonFields fields = new JsonFields("type", "offset", "text");
    private volatile TextSocket socket;
    private volatile boolean inRoom;
    private volatile boolean closed;
    private volatile URI current;
    private volatile long retryAfterMs = -1;
    private long lostAt;
    private String epoch;
    private long lastOffset = -1;
    private long sends;

    private SwitchboardMember(Transport transport, Endpoints endpoints, String name, String room, Member.Events events) {
        this.transport = transport;
        this.endpoints = endpoints;
        this.name = name;
        this.room = room;
        this.events = events;
    }

    static SwitchboardMember start(Transport transport, Endpoints endpoints, URI first, String name, String room,
            Member.Events events) {
        SwitchboardMember member = new SwitchboardMember(transport, endpoints, name, room, events);
        member.connect(first);
        return member;
    }

    @Override
    public CompletableFuture<Void> joined() {
        return joined;
    }

    @Override
    public boolean inRoom() {
        return inRoom;
    }

    @Override
    public boolean deflateNegotiated() {
        TextSocket s = socket;
        return s != null && s.deflateNegotiated();
    }

    @Override
    public void send(String text) {
        // under the lock that a rejoin's resend holds too, so a new send never overtakes an older one
        synchronized (this) {
            String clientMsgId = name + "." + (++sends);
            unacked.put(clientMsgId, text);
            if (inRoom) {
                write(sendFrame(clientMsgId, text));
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        TextSocket s = socket;
        if (s != null) {
            s.close();
        }
    }

    private void connect(URI uri) {
        if (closed) {
            return;
        }
        current = uri;
        transport.connect(uri, this, new RetryAfter()).whenComplete((s, error) -> {
            if (error != null) {
                refused(error);
            }
        });
    }

    /** A handshake that failed: 503 (draining) waits its Retry-After, anything else the usual jitter. */
    private void refused(Throwable error) {
        Throwable cause = error instanceof CompletionException ? error.getCause() : error;
        String what = cause instanceof UpgradeException upgrade
                ? "handshake refused with " + upgrade.getResponseStatusCode() : "connect failed: " + cause;
        events.onError(what);
        reconnectLater();
    }

    /** Waits the hinted delay (or a jitter) and connects to the next endpoint; a rejoin time runs from the first loss. */
    private void reconnectLater() {
        synchronized (this) {
            if (lostAt == 0) {
                lostAt = System.nanoTime();
            }
        }
        long delay = retryAfterMs >= 0 ? retryAfterMs : ThreadLocalRandom.current().nextLong(RECONNECT_JITTER_MS);
        retryAfterMs = -1;
        transport.after(delay, () -> connect(endpoints.after(current)));
    }

    @Override
    public void onOpen(TextSocket socket) {
        this.socket = socket;
        if (closed) {
            socket.close(); // closed while its handshake was on the way: nothing else would close it
        }
    }

    @Override
    public void onText(byte[] utf8, int from, int to) {
        if (fields.scan(utf8, from, to) && fields.isString(TYPE, MESSAGE)) {
            // the hot frame, one per delivery: offset and text straight from the bytes
            onMessage(fields.integer(OFFSET, 0), Objects.requireNonNullElse(fields.string(TEXT), ""));
            return;
        }
        JsonNode frame = Json.MAPPER.readTree(utf8, from, to - from);
        switch (frame.path("type").asString()) {
            case "welcome" -> write(object().put("type", "hello").put("name", name));
            case "hello_ok" -> write(joinFrame());
            case "joined" -> onJoined(frame);
            case "message" -> onMessage(frame.path("offset").asLong(), frame.path("text").asString());
            case "ack" -> onAck(frame);
            case "epoch_changed" -> onEpochChanged(frame);
            case "reconnect" -> retryAfterMs = frame.path("retryAfterMs").asLong(DEFAULT_RETRY_AFTER_MS);
            case "error" -> onError(frame);
            default -> { }
        }
    }

    private synchronized ObjectNode joinFrame() {
        ObjectNode join = object().put("type", "join").put("room", room).put("ref", JOIN_REF);
        if (epoch != null) {
            join.putObject("since").put("epoch", epoch).put("offset", lastOffset);
        }
        return join;
    }

    /** A join refused for now (broker_unavailable) is retried, as docs/protocol.md tells clients to. */
    private void onError(JsonNode frame) {
        String code = frame.path("code").asString();
        if (JOIN_REF.equals(frame.path("ref").asString())) {
            events.onError("join refused: " + code);
            TextSocket refusedOn = socket;
            transport.after(JOIN_RETRY_MS, () -> {
                if (socket == refusedOn) {
                    write(joinFrame());
                }
            });
        } else {
            events.onError("error " + code);
            if ("rate_limited".equals(code) || "broker_unavailable".equals(code)) {
                resendLater(frame.path("ref").asString(), frame.path("retryAfterMs").asLong(JOIN_RETRY_MS));
            }
        }
    }

    /** Sends {@code clientMsgId} again after {@code delayMs}, on this connection, unless acknowledged meanwhile. */
    private void resendLater(String clientMsgId, long delayMs) {
        TextSocket refusedOn = socket;
        transport.after(Math.max(delayMs, 1), () -> {
            synchronized (this) {
                String text = unacked.get(clientMsgId);
                if (text != null && socket == refusedOn && inRoom) {
                    write(sendFrame(clientMsgId, text));
                }
            }
        });
    }

    private void onJoined(JsonNode frame) {
        long rejoinNanos = 0;
        synchronized (this) {
            if (epoch == null) {
                lastOffset = frame.path("offset").asLong();
            }
            epoch = frame.path("epoch").asString();
            if (lostAt != 0) {
                rejoinNanos = System.nanoTime() - lostAt;
                lostAt = 0;
            }
            unacked.forEach((clientMsgId, text) -> write(sendFrame(clientMsgId, text)));
            inRoom = true;
        }
        if (rejoinNanos != 0) {
            events.onRejoined(rejoinNanos);
        }
        joined.complete(null);
    }

    private void onMessage(long offset, String text) {
        synchronized (this) {
            if (offset <= lastOffset) {
                events.onDuplicate();
                return;
            }
            lastOffset = offset;
        }
        events.onMessage(text);
    }

    private void onAck(JsonNode frame) {
        String text;
        synchronized (this) {
            text = unacked.remove(frame.path("clientMsgId").asString());
        }
        // a retried send is acknowledged twice (the second says duplicate): count it once
        if (text != null) {
            events.onAck(text);
        }
    }

    private synchronized void onEpochChanged(JsonNode frame) {
        epoch = frame.path("epoch").asString();
        lastOffset = 0;
        events.onError("epoch changed in " + room);
    }

    @Override
    public void onClose(int statusCode, String reason) {
        socket = null;
        inRoom = false;
        if (closed) {
            return;
        }
        if (FINAL_CLOSE_CODES.contains(statusCode)) {
            events.onError("closed for good with " + statusCode + " " + reason);
            joined.completeExceptionally(new IllegalStateException("closed with " + statusCode));
            return;
        }
        if (statusCode != 1012) {
            events.onError("closed with " + statusCode);
        }
        reconnectLater();
    }

    private ObjectNode sendFrame(String clientMsgId, String text) {
        return object().put("type", "send").put("room", room).put("text", text).put("clientMsgId", clientMsgId)
                .put("ref", clientMsgId);
    }

    private static ObjectNode object() {
        return Json.MAPPER.createObjectNode();
    }

    private void write(ObjectNode frame) {
        TextSocket s = socket;
        if (s != null) {
            s.send(frame.toString());
        }
    }

    /** Reads {@code Retry-After} (seconds) from a refused handshake, as a draining node sends it. */
    private final class RetryAfter implements UpgradeListener {
        @Override
        public void onHandshakeResponse(Request request, Response response) {
            String seconds = response.getHeaders().get("Retry-After");
            if (response.getStatus() != 101 && seconds != null && seconds.chars().allMatch(Character::isDigit)) {
                retryAfterMs = Long.parseLong(seconds) * 1000;
            }
        }
    }
}
