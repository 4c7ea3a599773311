package io.switchboard.session;

import io.switchboard.config.NodeId;
import io.switchboard.config.SwitchboardProperties;
import io.switchboard.limits.ConnectionLimits;
import io.switchboard.protocol.ClientFrame;
import io.switchboard.protocol.CloseCodes;
import io.switchboard.protocol.EncodedFrame;
import io.switchboard.protocol.ErrorCode;
import io.switchboard.protocol.FrameCodec;
import io.switchboard.protocol.ProtocolException;
import io.switchboard.protocol.ServerFrame;
import io.switchboard.room.Rooms;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import org.springframework.web.socket.CloseStatus;

/**
 * What a {@code /ws} connection does: decodes each frame, checks what the connection may do, and
 * hands it to the room layer. A bad frame is answered with an {@code error} frame and the
 * connection stays up; a binary frame closes it with 1003, an oversized one with 1009 (enforced by
 * {@link ChatEndpoint}).
 *
 * <p>What a connection may do: every frame draws on a budget first ({@link FrameBudgets}); {@code
 * hello} says who it is, in time ({@link Identities}); every room frame is checked against the
 * rooms its identity may enter and the rooms it is in; a room a join would create draws on the
 * new-room budgets ({@link NewRoomRates}).
 */
final class ChatHandler {

    private static final CloseStatus BINARY = new CloseStatus(CloseCodes.UNSUPPORTED_DATA, "binary frames are not supported");

    private final Rooms rooms;
    private final FrameCodec codec;
    private final NodeId node;
    private final SwitchboardProperties properties;
    private final ScheduledExecutorService outboxTimeouts;
    private final Connections connections;
    private final Runnable overflowed;
    private final Identities identities;
    private final FrameBudgets budgets;
    private final ConnectionLimits connectionLimits;
    private final NewRoomRates newRoomRates;

    ChatHandler(Rooms rooms, FrameCodec codec, NodeId node, SwitchboardProperties properties,
                ScheduledExecutorService outboxTimeouts, Connections connections, Identities identities,
                ConnectionLimits connectionLimits) {
        var newRooms = properties.limits().newRooms();
        this.newRoomRates = new NewRoomRates(new KeyedRates(newRooms.userPerSecond(), newRooms.userBurst()),
                new KeyedRates(newRooms.ipPerSecond(), newRooms.ipBurst()));
        this.budgets = new FrameBudgets(codec, properties.limits());
        this.identities = identities;
        this.connectionLimits = connectionLimits;
        this.rooms = rooms;
        this.codec = codec;
        this.node = node;
        this.properties = properties;
        this.outboxTimeouts = outboxTimeouts;
        this.connections = connections;
        this.overflowed = connections::overflowed;
    }

    /**
     * A socket was opened: the connection it carries, greeted with {@code welcome}; {@code address}
     * is the client's, {@code countedAddress} the key its address is counted under, or null.
     */
    Connection opened(Wire wire, String id, String address, String countedAddress) {
        var outbox = properties.outbox();
        var limits = properties.limits();
        long now = System.nanoTime();
        Connection connection = new Connection(id, address,
                new Outbox(wire, outbox.maxMessages(), outbox.maxBytes().toBytes(), outbox.sendTimeout(),
                        outboxTimeouts, overflowed),
                new RateLimiter(limits.messagesPerSecond(), limits.burst(), now),
                new RateLimiter(limits.joinsPerSecond(), limits.joinBurst(), now),
                new RateLimiter(limits.otherFramesPerSecond(), limits.otherBurst(), now),
                new RateLimiter(limits.newRooms().perSecond(), limits.newRooms().burst(), now), newRoomRates);
        if (countedAddress != null) {
            connection.counted.add(countedAddress);
        }
        connections.add(connection);
        identities.awaitHello(connection);
        send(connection, new ServerFrame.Welcome(connection.id, node.value(), ClientFrame.CURRENT_PROTOCOL));
        return connection;
    }

    /**
     * Handles one text frame. Answers null when it is done, or a future that completes when it is:
     * the connection's next frame is read only then.
     */
    CompletableFuture<Void> text(Connection connection, String text) {
        ClientFrame frame;
        try {
            frame = codec.decode(text);
        } catch (ProtocolException e) {
            if (budgets.takeInvalid(connection, e.ref())) {
                send(connection, e.toFrame());
            }
            return null;
        }
        if (identities.mayWaitForIssuer(frame)) {
            return identities.offJettysThreads(connection, () -> handleOrRefuse(connection, frame));
        }
        return handleOrRefuse(connection, frame);
    }

    private CompletableFuture<Void> handleOrRefuse(Connection connection, ClientFrame frame) {
        try {
            return handle(connection, frame);
        } catch (ProtocolException e) {
            send(connection, e.toFrame());
            return null;
        }
    }

    /** A WebSocket ping (see {@link FrameBudgets#ping}). */
    void ping(Connection connection, ByteBuffer payload) {
        budgets.ping(connection, payload);
    }

    void pong(Connection connection) {
        budgets.pong(connection);
    }

    void binary(Connection connection) {
        connection.outbox.close(BINARY);
    }

    /** The connection ended with close code {@code code} (the node's, the client's, or 1006 without a close handshake). */
    void closed(Connection connection, int code) {
        connections.remove(connection);
        connections.ended(code);
        connection.expiresWith(null);
        connection.counted.forEach(key -> connectionLimits.release(key, connection.id));
        // Closed before its rooms are read: a join completing from now on sees it closed and undoes itself.
        connection.outbox.discard();
        if (connection.member() != null) {
            rooms.leaveAll(connection, List.copyOf(connection.rooms()));
        }
    }

    private CompletableFuture<Void> handle(Connection connection, ClientFrame frame) {
        if (!budgets.take(connection, frame)) {
            return null;
        }
        if (frame instanceof ClientFrame.Ping ping) {
            send(connection, new ServerFrame.Pong(ping.ref(), System.currentTimeMillis()));
            return null;
        }
        if (frame instanceof ClientFrame.Hello hello) {
            return identities.hello(connection, hello);
        }
        if (connection.member() == null) {
            throw new ProtocolException(ErrorCode.HELLO_REQUIRED,
                    identities.anonymous() ? "send hello {name} first" : "send hello {token} first", frame.ref());
        }
        switch (frame) {
            case ClientFrame.Auth refresh -> identities.refresh(connection, refresh);
            case ClientFrame.Join join -> {
                requireAccess(connection, join.room(), join.ref());
                int maxRooms = properties.limits().maxRoomsPerSession();
                if (!connection.reserveJoin(join.room(), maxRooms)) {
                    throw new ProtocolException(ErrorCode.TOO_MANY_ROOMS,
                            "at most " + maxRooms + " rooms per connection, joins in flight included", join.ref());
                }
                rooms.join(connection, join);
            }
            case ClientFrame.Leave leave -> {
                // answered here, without touching the room's lane, unless it is in the room or joining it
                if (!connection.isInOrJoining(leave.room())) {
                    throw new ProtocolException(ErrorCode.NOT_JOINED, "not in room " + leave.room(), leave.ref());
                }
                rooms.leave(connection, leave.room(), leave.ref());
            }
            case ClientFrame.Send send -> {
                requireMember(connection, send.room(), send.ref());
                requireAccess(connection, send.room(), send.ref());
                if (budgets.takeForUser(connection, send.ref())) {
                    rooms.send(connection, send);
                }
            }
            case ClientFrame.Typing typing -> {
                requireMember(connection, typing.room(), typing.ref());
                requireAccess(connection, typing.room(), typing.ref());
                if (budgets.takeForUser(connection, typing.ref())) {
                    rooms.typing(connection, typing.room());
                }
            }
            case ClientFrame.History history -> {
                requireMember(connection, history.room(), history.ref());
                requireAccess(connection, history.room(), history.ref());
                rooms.history(connection, history);
            }
            case ClientFrame.Hello hello -> throw new IllegalStateException("handled above");
            case ClientFrame.Ping ping -> throw new IllegalStateException("handled above");
        }
        return null;
    }

    private static void requireAccess(Connection connection, String room, String ref) {
        if (!connection.identity().access().allows(room)) {
            throw new ProtocolException(ErrorCode.FORBIDDEN,
                    "room " + room + " is not public" + (connection.identity().anonymous() ? "" : " and your token does not grant it"),
                    ref);
        }
    }

    private static void requireMember(Connection connection, String room, String ref) {
        if (!connection.isIn(room)) {
            throw new ProtocolException(ErrorCode.NOT_JOINED, "join room " + room + " first (and wait for joined)", ref);
        }
    }

    private void send(Connection connection, ServerFrame frame) {
        connection.deliver(EncodedFrame.of(codec.encode(frame)));
    }
}
