package io.switchboard.session;

import io.switchboard.config.NodeId;
import io.switchboard.config.SwitchboardProperties;
import io.switchboard.protocol.ClientFrame;
import io.switchboard.protocol.CloseCodes;
import io.switchboard.protocol.EncodedFrame;
import io.switchboard.protocol.ErrorCode;
import io.switchboard.protocol.FrameCodec;
import io.switchboard.protocol.Member;
import io.switchboard.protocol.ProtocolException;
import io.switchboard.protocol.ServerFrame;
import io.switchboard.room.Rooms;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ScheduledExecutorService;
import org.springframework.web.socket.CloseStatus;

/**
 * What a {@code /ws} connection does: decodes each frame, checks what the connection may do, and
 * hands it to the room layer. A bad frame is answered with an {@code error} frame and the
 * connection stays up; a binary frame closes it with 1003, an oversized one with 1009 (enforced by
 * {@link ChatEndpoint}).
 */
final class ChatHandler {

    private static final CloseStatus BINARY = new CloseStatus(CloseCodes.UNSUPPORTED_DATA, "binary frames are not supported");
    private static final CloseStatus ABUSE = new CloseStatus(CloseCodes.POLICY_VIOLATION, "rate limit exceeded persistently");

    private final Rooms rooms;
    private final FrameCodec codec;
    private final NodeId node;
    private final SwitchboardProperties properties;
    private final ScheduledExecutorService outboxTimeouts;
    private final Connections connections;
    private final Runnable overflowed;

    ChatHandler(Rooms rooms, FrameCodec codec, NodeId node, SwitchboardProperties properties,
                ScheduledExecutorService outboxTimeouts, Connections connections) {
        this.rooms = rooms;
        this.codec = codec;
        this.node = node;
        this.properties = properties;
        this.outboxTimeouts = outboxTimeouts;
        this.connections = connections;
        this.overflowed = connections::overflowed;
    }

    /** A socket was opened: the connection it carries, greeted with {@code welcome}. */
    Connection opened(Wire wire) {
        var outbox = properties.outbox();
        var limits = properties.limits();
        Connection connection = new Connection(UUID.randomUUID().toString(),
                new Outbox(wire, outbox.maxMessages(), outbox.maxBytes().toBytes(), outbox.sendTimeout(),
                        outboxTimeouts, overflowed),
                new RateLimiter(limits.messagesPerSecond(), limits.burst(), System.nanoTime()),
                new RateLimiter(limits.joinsPerSecond(), limits.joinBurst(), System.nanoTime()));
        connections.add(connection);
        send(connection, new ServerFrame.Welcome(connection.id, node.value(), 1));
        return connection;
    }

    void text(Connection connection, String text) {
        try {
            handle(connection, codec.decode(text));
        } catch (ProtocolException e) {
            send(connection, e.toFrame());
        }
    }

    void binary(Connection connection) {
        connection.outbox.close(BINARY);
    }

    void closed(Connection connection) {
        connections.remove(connection);
        // Closed before its rooms are read: a join completing from now on sees it closed and undoes itself.
        connection.outbox.discard();
        if (connection.member() != null) {
            rooms.leaveAll(connection, List.copyOf(connection.rooms()));
        }
    }

    private void handle(Connection connection, ClientFrame frame) {
        if (frame instanceof ClientFrame.Ping ping) {
            send(connection, new ServerFrame.Pong(ping.ref(), System.currentTimeMillis()));
            return;
        }
        if (frame instanceof ClientFrame.Hello hello) {
            if (connection.member() != null) {
                throw new ProtocolException(ErrorCode.BAD_FRAME, "hello was already sent", hello.ref());
            }
            connection.hello(new Member(connection.id, hello.name(), node.value()));
            send(connection, new ServerFrame.HelloOk(connection.id, hello.name(), hello.ref()));
            return;
        }
        if (connection.member() == null) {
            throw new ProtocolException(ErrorCode.HELLO_REQUIRED, "send hello {name} first", frame.ref());
        }
        switch (frame) {
            case ClientFrame.Join join -> {
                if (!withinRate(connection, connection.joinRate, "joins and history requests", join.ref())) {
                    return;
                }
                int maxRooms = properties.limits().maxRoomsPerSession();
                if (!connection.reserveJoin(join.room(), maxRooms)) {
                    throw new ProtocolException(ErrorCode.TOO_MANY_ROOMS,
                            "at most " + maxRooms + " rooms per connection, joins in flight included", join.ref());
                }
                rooms.join(connection, join);
            }
            case ClientFrame.Leave leave -> rooms.leave(connection, leave.room(), leave.ref());
            // sends and typing notices share one budget: both are relayed to a whole room
            case ClientFrame.Send send -> {
                requireMember(connection, send.room(), send.ref());
                if (withinRate(connection, connection.sendRate, "messages", send.ref())) {
                    rooms.send(connection, send);
                }
            }
            case ClientFrame.Typing typing -> {
                requireMember(connection, typing.room(), typing.ref());
                if (withinRate(connection, connection.sendRate, "messages", typing.ref())) {
                    rooms.typing(connection, typing.room());
                }
            }
            case ClientFrame.History history -> {
                requireMember(connection, history.room(), history.ref());
                if (withinRate(connection, connection.joinRate, "joins and history requests", history.ref())) {
                    rooms.history(connection, history);
                }
            }
            case ClientFrame.Hello hello -> throw new IllegalStateException("handled above");
            case ClientFrame.Ping ping -> throw new IllegalStateException("handled above");
        }
    }

    private static void requireMember(Connection connection, String room, String ref) {
        if (!connection.isIn(room)) {
            throw new ProtocolException(ErrorCode.NOT_JOINED, "join room " + room + " first (and wait for joined)", ref);
        }
    }

    /**
     * Takes a token from {@code rate}, or answers {@code rate_limited} with the wait for the next
     * one; a connection refused {@code abuse-threshold} times in a row is closed with 1008.
     */
    private boolean withinRate(Connection connection, RateLimiter rate, String what, String ref) {
        if (rate.tryAcquire(System.nanoTime())) {
            connection.taken();
            return true;
        }
        if (connection.refusedAgain(properties.limits().abuseThreshold())) {
            connection.outbox.close(ABUSE);
            return false;
        }
        send(connection, new ServerFrame.Error(ErrorCode.RATE_LIMITED.wire(), "too many " + what + "; slow down",
                rate.millisUntilNext(), ref));
        return false;
    }

    private void send(Connection connection, ServerFrame frame) {
        connection.deliver(EncodedFrame.of(codec.encode(frame)));
    }
}
