package io.switchboard.bench.client;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.jetty.websocket.core.client.UpgradeListener;
import org.eclipse.jetty.websocket.core.exception.UpgradeException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;

/**
 * A member of the Socket.IO peer (chat-bench/peers/socketio), speaking Engine.IO v4 and the
 * Socket.IO packet format directly over a plain WebSocket, so both systems are driven by the same
 * Jetty client and the same scenario code. The peer's contract:
 * <pre>
 * server: 0{"sid":..,"pingInterval":..,"pingTimeout":..}   client: 40      server: 40{"sid":..}
 * server: 2 (ping)                                           client: 3 (pong)
 * client: 42&lt;id&gt;["join","room"]                          server: 43&lt;id&gt;[{"room":..}]
 * client: 42&lt;id&gt;["msg",{"room":..,"text":..}]            server: 43&lt;id&gt;[{"ok":true}]
 * server, to the whole room (sender included): 42["msg",{"room":..,"from":..,"text":..,"ts":..}]
 * bad input (a join or msg the peer refused):                server: 43&lt;id&gt;[{"error":"bad_request"}]
 * </pre>
 * A refused join fails {@link #joined()}; a refused msg is reported as an error and not as acked.
 * The peer has no positions and no resume, so this member does not reconnect: a lost connection is
 * reported as an error and its messages count as lost.
 *
 * <p>The {@code msg} events, one per delivery, are read with {@link JsonFields} (the text straight
 * from the bytes); every other packet is parsed by Jackson.
 */
final class SocketIoMember implements Member, TextSocket.Listener {

    /** The ack id of the join; sends use 1, 2, 3, ... */
    private static final long JOIN_ACK = 0;
    /** How the peer encodes a {@code msg} event (JSON.stringify writes no white space): its payload object follows. */
    private static final byte[] MSG_EVENT = "42[\"msg\",".getBytes(StandardCharsets.UTF_8);
    /** The field {@link #fields} picks from a {@code msg} payload, by its number there. */
    private static final int TEXT = 0;

    private final String room;
    private final Member.Events events;
    private final CompletableFuture<Void> joined = new CompletableFuture<>();
    private final AtomicLong nextAck = new AtomicLong(JOIN_ACK + 1);
    private final Map<Long, String> unacked = new ConcurrentHashMap<>();
    private final JsonFields fields = new JsonFields("text");
    private volatile TextSocket socket;
    private volatile boolean closed;

    private SocketIoMember(String room, Member.Events events) {
        this.room = room;
        this.events = events;
    }

    static SocketIoMember start(Transport transport, URI uri, String room, Member.Events events) {
        SocketIoMember member = new SocketIoMember(room, events);
        transport.connect(uri, member, new UpgradeListener() {}).whenComplete((s, error) -> {
            if (error != null) {
                Throwable cause = error instanceof CompletionException ? error.getCause() : error;
                String what = cause instanceof UpgradeException upgrade
                        ? "handshake refused with " + upgrade.getResponseStatusCode() : "connect failed: " + cause;
                events.onError(what);
                member.joined.completeExceptionally(cause);
            }
        });
        return member;
    }

    @Override
    public CompletableFuture<Void> joined() {
        return joined;
    }

    /** The peer never moves a member: in its room from its join until its socket closes. */
    @Override
    public boolean inRoom() {
        return socket != null && joined.isDone() && !joined.isCompletedExceptionally();
    }

    @Override
    public boolean deflateNegotiated() {
        TextSocket s = socket;
        return s != null && s.deflateNegotiated();
    }

    @Override
    public void send(String text) {
        ArrayNode event = Json.MAPPER.createArrayNode().add("msg");
        event.addObject().put("room", room).put("text", text);
        long id = nextAck.getAndIncrement();
        unacked.put(id, text);
        write("42" + id + event);
    }

    @Override
    public void close() {
        closed = true;
        TextSocket s = socket;
        if (s != null) {
            s.close();
        }
    }

    @Override
    public void onOpen(TextSocket socket) {
        this.socket = socket;
    }

    @Override
    public void onText(byte[] utf8, int from, int to) {
        if (to - from < 1) {
            return;
        }
        switch (utf8[from]) {
            case '0' -> write("40");
            case '2' -> write("3");
            case '4' -> onSocketIoPacket(utf8, from, to);
            default -> { }
        }
    }

    /** An Engine.IO message ({@code 4}) carrying a Socket.IO packet: connect, event or ack. */
    private void onSocketIoPacket(byte[] utf8, int from, int to) {
        if (to - from < 2) {
            return;
        }
        switch (utf8[from + 1]) {
            case '0' -> write("42" + JOIN_ACK + Json.MAPPER.createArrayNode().add("join").add(room));
            case '2' -> onEvent(utf8, from, to);
            case '3' -> onAck(utf8, from + 2, to);
            case '4' -> events.onError("connect error " + new String(utf8, from + 2, to - from - 2, StandardCharsets.UTF_8));
            default -> { }
        }
    }

    private void onEvent(byte[] utf8, int from, int to) {
        int payload = from + MSG_EVENT.length;
        if (to > payload && Arrays.equals(utf8, from, payload, MSG_EVENT, 0, MSG_EVENT.length)
                && fields.scan(utf8, payload, to)) {
            // the hot packet, one per delivery: the text straight from the bytes
            events.onMessage(Objects.requireNonNullElse(fields.string(TEXT), ""));
            return;
        }
        JsonNode event = Json.MAPPER.readTree(utf8, from + 2, to - from - 2);
        if ("msg".equals(event.path(0).asString())) {
            events.onMessage(event.path(1).path("text").asString());
        }
    }

    /** {@code <id>[answer]}: the answer is {@code {"error":..}} when the peer refused the join or msg. */
    private void onAck(byte[] utf8, int from, int to) {
        int bracket = from;
        while (bracket < to && utf8[bracket] != '[') {
            bracket++;
        }
        long id = Long.parseLong(new String(utf8, from, bracket - from, StandardCharsets.US_ASCII));
        JsonNode error = Json.MAPPER.readTree(utf8, bracket, to - bracket).path(0).path("error");
        if (id == JOIN_ACK) {
            if (error.isMissingNode()) {
                joined.complete(null);
            } else {
                events.onError("join refused: " + error.asString());
                joined.completeExceptionally(new IllegalStateException("join refused: " + error.asString()));
            }
            return;
        }
        String text = unacked.remove(id);
        if (text == null) {
            return;
        }
        if (error.isMissingNode()) {
            events.onAck(text);
        } else {
            events.onError("msg refused: " + error.asString());
        }
    }

    @Override
    public void onClose(int statusCode, String reason) {
        socket = null;
        if (!closed) {
            events.onError("closed with " + statusCode);
            joined.completeExceptionally(new IllegalStateException("closed with " + statusCode));
        }
    }

    private void write(String packet) {
        TextSocket s = socket;
        if (s != null) {
            s.send(packet);
        }
    }
}
