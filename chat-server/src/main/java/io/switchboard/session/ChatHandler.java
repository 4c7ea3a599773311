package io.switchboard.session;

import io.switchboard.auth.AuthException;
import io.switchboard.auth.Authenticator;
import io.switchboard.auth.Identity;
import io.switchboard.config.NodeId;
import io.switchboard.config.SwitchboardProperties;
import io.switchboard.limits.ConnectionLimits;
import io.switchboard.protocol.ClientFrame;
import io.switchboard.protocol.CloseCodes;
import io.switchboard.protocol.EncodedFrame;
import io.switchboard.protocol.ErrorCode;
import io.switchboard.protocol.FrameCodec;
import io.switchboard.protocol.Member;
import io.switchboard.protocol.ProtocolException;
import io.switchboard.protocol.ServerFrame;
import io.switchboard.room.Rooms;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.web.socket.CloseStatus;

/**
 * What a {@code /ws} connection does: decodes each frame, checks what the connection may do, and
 * hands it to the room layer. A bad frame is answered with an {@code error} frame and the
 * connection stays up; a binary frame closes it with 1003, an oversized one with 1009 (enforced by
 * {@link ChatEndpoint}).
 *
 * <p>What a connection may do: {@code hello} says who it is ({@link Authenticator}; in jwt mode a
 * token, which also decides its rooms and its lifetime, and its user's connection count across the
 * cluster), within {@code switchboard.limits.hello-timeout} of opening or it is closed (4003); every
 * room frame is checked against its rooms. Every frame draws on a token bucket of the connection
 * before anything else is done with it: sends and typing on one (and on one of its user), joins,
 * leaves and history requests on another, and everything else (hello, auth, ping, WebSocket pings,
 * frames refused as invalid) on a third. A connection that keeps being refused is closed with 1008.
 */
final class ChatHandler {

    private static final CloseStatus BINARY = new CloseStatus(CloseCodes.UNSUPPORTED_DATA, "binary frames are not supported");
    private static final CloseStatus ABUSE = new CloseStatus(CloseCodes.POLICY_VIOLATION, "rate limit exceeded persistently");
    private static final CloseStatus UNAUTHORIZED = new CloseStatus(CloseCodes.UNAUTHORIZED, "unauthorized");
    private static final CloseStatus EXPIRED = new CloseStatus(CloseCodes.UNAUTHORIZED, "token expired");
    private static final CloseStatus TOO_MANY = new CloseStatus(CloseCodes.POLICY_VIOLATION, "too many connections");
    private static final CloseStatus NO_HELLO = new CloseStatus(CloseCodes.HELLO_TIMEOUT, "no hello in time");
    /** How long a hello waits for the cluster-wide count of its user before it goes on uncounted. */
    private static final long COUNT_WAIT_SECONDS = 2;
    private static final Logger log = LoggerFactory.getLogger(ChatHandler.class);

    private final Rooms rooms;
    private final FrameCodec codec;
    private final NodeId node;
    private final SwitchboardProperties properties;
    private final ScheduledExecutorService outboxTimeouts;
    private final Connections connections;
    private final Runnable overflowed;
    private final Authenticator auth;
    /** Closes connections that said no hello in time, and those whose token expired. */
    private final ScheduledExecutorService deadlines;
    private final Duration clockSkew;
    private final ConnectionLimits connectionLimits;
    private final int maxConnectionsPerUser;
    private final KeyedRates userRates;
    private final NewRoomRates newRoomRates;

    ChatHandler(Rooms rooms, FrameCodec codec, NodeId node, SwitchboardProperties properties,
                ScheduledExecutorService outboxTimeouts, Connections connections, Authenticator auth,
                ScheduledExecutorService deadlines, ConnectionLimits connectionLimits) {
        var limits = properties.limits();
        this.connectionLimits = connectionLimits;
        this.maxConnectionsPerUser = limits.maxConnectionsPerUser();
        this.userRates = new KeyedRates(limits.userMessagesPerSecond(), limits.userBurst());
        var newRooms = limits.newRooms();
        this.newRoomRates = new NewRoomRates(new KeyedRates(newRooms.userPerSecond(), newRooms.userBurst()),
                new KeyedRates(newRooms.ipPerSecond(), newRooms.ipBurst()));
        this.auth = auth;
        this.deadlines = deadlines;
        this.clockSkew = properties.auth().jwt().clockSkew();
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
        connection.expiresWith(deadlines.schedule(() -> {
            if (connection.member() == null) {
                connection.outbox.close(NO_HELLO);
            }
        }, limits.helloTimeout().toMillis(), TimeUnit.MILLISECONDS));
        send(connection, new ServerFrame.Welcome(connection.id, node.value(), 1));
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
            if (withinRate(connection, connection.otherRate, "invalid frames", e.ref())) {
                send(connection, e.toFrame());
            }
            return null;
        }
        try {
            return handle(connection, frame);
        } catch (ProtocolException e) {
            send(connection, e.toFrame());
            return null;
        }
    }

    /**
     * A WebSocket ping: answered with a pong through the outbox (so a peer that pings and never
     * reads is cut like any slow consumer), within the connection's budget for such frames; one
     * beyond it is not answered, and counts as refused.
     */
    void ping(Connection connection, ByteBuffer payload) {
        if (connection.otherRate.tryAcquire(System.nanoTime())) {
            connection.taken();
            connection.outbox.pong(payload);
        } else if (connection.refusedAgain(properties.limits().abuseThreshold())) {
            connection.outbox.close(ABUSE);
        }
    }

    void binary(Connection connection) {
        connection.outbox.close(BINARY);
    }

    void closed(Connection connection) {
        connections.remove(connection);
        connection.expiresWith(null);
        connection.counted.forEach(key -> connectionLimits.release(key, connection.id));
        // Closed before its rooms are read: a join completing from now on sees it closed and undoes itself.
        connection.outbox.discard();
        if (connection.member() != null) {
            rooms.leaveAll(connection, List.copyOf(connection.rooms()));
        }
    }

    private CompletableFuture<Void> handle(Connection connection, ClientFrame frame) {
        String what = connection.member() == null ? "frames before hello" : what(frame);
        if (!withinRate(connection, budget(connection, frame), what, frame.ref())) {
            return null;
        }
        if (frame instanceof ClientFrame.Ping ping) {
            send(connection, new ServerFrame.Pong(ping.ref(), System.currentTimeMillis()));
            return null;
        }
        if (frame instanceof ClientFrame.Hello hello) {
            return hello(connection, hello);
        }
        if (connection.member() == null) {
            throw new ProtocolException(ErrorCode.HELLO_REQUIRED,
                    auth.anonymous() ? "send hello {name} first" : "send hello {token} first", frame.ref());
        }
        switch (frame) {
            case ClientFrame.Auth refresh -> refresh(connection, refresh);
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
                if (withinUserRate(connection, send.ref())) {
                    rooms.send(connection, send);
                }
            }
            case ClientFrame.Typing typing -> {
                requireMember(connection, typing.room(), typing.ref());
                requireAccess(connection, typing.room(), typing.ref());
                if (withinUserRate(connection, typing.ref())) {
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

    /**
     * The budget a frame draws on: sends and typing notices share one (both are relayed to a whole
     * room), joins, leaves and history requests another (each is room work and Redis reads), and
     * everything else, or anything before {@code hello}, a third.
     */
    private static RateLimiter budget(Connection connection, ClientFrame frame) {
        if (connection.member() == null) {
            return connection.otherRate;
        }
        return switch (frame) {
            case ClientFrame.Send send -> connection.sendRate;
            case ClientFrame.Typing typing -> connection.sendRate;
            case ClientFrame.Join join -> connection.joinRate;
            case ClientFrame.Leave leave -> connection.joinRate;
            case ClientFrame.History history -> connection.joinRate;
            case ClientFrame.Hello hello -> connection.otherRate;
            case ClientFrame.Auth refresh -> connection.otherRate;
            case ClientFrame.Ping ping -> connection.otherRate;
        };
    }

    private static String what(ClientFrame frame) {
        return switch (frame) {
            case ClientFrame.Send send -> "messages";
            case ClientFrame.Typing typing -> "messages";
            case ClientFrame.Join join -> "joins, leaves and history requests";
            case ClientFrame.Leave leave -> "joins, leaves and history requests";
            case ClientFrame.History history -> "joins, leaves and history requests";
            case ClientFrame.Hello hello -> "hello, auth and ping frames";
            case ClientFrame.Auth refresh -> "hello, auth and ping frames";
            case ClientFrame.Ping ping -> "hello, auth and ping frames";
        };
    }

    /**
     * Says who the connection is: the name it gives when anonymous, its token's user in jwt mode. A
     * token that proves nothing gets {@code error unauthorized} and the connection is closed (4001).
     */
    private CompletableFuture<Void> hello(Connection connection, ClientFrame.Hello hello) {
        if (connection.member() != null) {
            throw new ProtocolException(ErrorCode.BAD_FRAME, "hello was already sent", hello.ref());
        }
        Identity identity;
        if (auth.anonymous()) {
            if (hello.name() == null) {
                throw new ProtocolException(ErrorCode.BAD_FRAME, "hello needs a name", hello.ref());
            }
            identity = auth.anonymous(hello.name());
        } else {
            try {
                identity = auth.verify(hello.token());
            } catch (AuthException e) {
                send(connection, new ServerFrame.Error(ErrorCode.UNAUTHORIZED.wire(), e.getMessage(), hello.ref()));
                connection.outbox.close(UNAUTHORIZED);
                return null;
            }
        }
        connection.expiresWith(null); // the hello came: no deadline while its count is made
        if (identity.anonymous()) {
            welcome(connection, identity, hello.ref());
            return null;
        }
        String counted = "user:" + identity.user();
        Identity user = identity;
        CompletableFuture<Boolean> count = connectionLimits.acquire(counted, connection.id, maxConnectionsPerUser);
        return count.copy().orTimeout(COUNT_WAIT_SECONDS, TimeUnit.SECONDS)
                .handle((taken, error) -> {
                    if (error != null) { // Redis away: let the user in uncounted, as a handshake would be
                        log.debug("Could not count a connection of {}: {}", counted, error.toString());
                        // the count may still be made once Redis answers: it is released after it
                        connectionLimits.release(counted, connection.id);
                    } else if (!taken) {
                        send(connection, new ServerFrame.Error(ErrorCode.TOO_MANY_CONNECTIONS.wire(),
                                "at most " + maxConnectionsPerUser + " connections per user", hello.ref()));
                        connection.outbox.close(TOO_MANY);
                        return null;
                    } else {
                        connection.counted.add(counted);
                        if (!connection.outbox.isOpen()) { // closed meanwhile: its close did not see this count
                            connectionLimits.release(counted, connection.id);
                            return null;
                        }
                    }
                    welcome(connection, user, hello.ref());
                    return null;
                });
    }

    /** Completes a hello: the connection is {@code identity} from now on. */
    private void welcome(Connection connection, Identity identity, String ref) {
        connection.hello(new Member(connection.id, identity.name(), node.value(), identity.user()), identity);
        connection.expiresWith(expiry(connection, identity));
        send(connection, new ServerFrame.HelloOk(connection.id, identity.name(), identity.user(), identity.anonymous(),
                identity.expiresAt() == null ? null : identity.expiresAt().toEpochMilli(), ref));
    }

    /** Takes a fresher token; one that is refused leaves the connection as it was, until its token expires. */
    private void refresh(Connection connection, ClientFrame.Auth refresh) {
        if (auth.anonymous()) {
            throw new ProtocolException(ErrorCode.BAD_FRAME, "auth is for switchboard.auth.mode=jwt", refresh.ref());
        }
        Identity fresh;
        try {
            fresh = auth.refresh(connection.identity(), refresh.token());
        } catch (AuthException e) {
            throw new ProtocolException(ErrorCode.UNAUTHORIZED, e.getMessage(), refresh.ref());
        }
        connection.refreshed(fresh, expiry(connection, fresh));
        send(connection, new ServerFrame.AuthOk(fresh.expiresAt().toEpochMilli(), refresh.ref()));
        // rooms the fresher token no longer grants are left, and the client told why
        for (String room : connection.roomsAndJoins()) {
            if (!fresh.access().allows(room)) {
                rooms.remove(connection, room, ErrorCode.FORBIDDEN.wire());
            }
        }
    }

    /** Closes the connection (4001) once its token expired, clock skew allowed for; null when anonymous. */
    private Future<?> expiry(Connection connection, Identity identity) {
        if (identity.expiresAt() == null) {
            return null;
        }
        long delay = Duration.between(Instant.now(), identity.expiresAt().plus(clockSkew)).toMillis();
        return deadlines.schedule(() -> {
            if (connection.identity() == identity) {
                connection.outbox.close(EXPIRED);
            }
        }, Math.max(0, delay), TimeUnit.MILLISECONDS);
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

    /**
     * The user's budget across its connections on this node (jwt mode; an anonymous connection has
     * only its own): like {@link #withinRate}, for the user's bucket.
     */
    private boolean withinUserRate(Connection connection, String ref) {
        String user = connection.identity().user();
        long wait = user == null ? 0 : userRates.waitFor(user);
        return wait == 0 || refused(connection, "messages from your user", wait, ref);
    }

    /** Takes a token from {@code rate}, or refuses the frame. */
    private boolean withinRate(Connection connection, RateLimiter rate, String what, String ref) {
        if (rate.tryAcquire(System.nanoTime())) {
            connection.taken();
            return true;
        }
        return refused(connection, what, rate.millisUntilNext(), ref);
    }

    /**
     * Answers {@code rate_limited} with the wait for the next token; a connection refused {@code
     * abuse-threshold} times in a row is closed with 1008 instead. Always false.
     */
    private boolean refused(Connection connection, String what, long waitMillis, String ref) {
        if (connection.refusedAgain(properties.limits().abuseThreshold())) {
            connection.outbox.close(ABUSE);
        } else {
            send(connection, new ServerFrame.Error(ErrorCode.RATE_LIMITED.wire(), "too many " + what + "; slow down",
                    waitMillis, ref));
        }
        return false;
    }

    private void send(Connection connection, ServerFrame frame) {
        connection.deliver(EncodedFrame.of(codec.encode(frame)));
    }
}
