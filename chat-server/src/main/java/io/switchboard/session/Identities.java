package io.switchboard.session;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
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
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.web.socket.CloseStatus;

/**
 * Who a connection is, and for how long. {@code hello} must come within {@code
 * switchboard.limits.hello-timeout} of opening (else 4003) and says who it is ({@link
 * Authenticator}): when anonymous the name it gives; in jwt mode its token's user, counted against
 * {@code max-connections-per-user} across the cluster, closed (4001) when the token expires unless
 * {@code auth} brought a fresher one, and taken out of the rooms a fresher token no longer grants.
 *
 * <p>{@code switchboard.auth.failures{reason}} counts what went wrong with tokens: {@code hello} (a
 * hello whose token proves nothing), {@code refresh} (an {@code auth} whose token is refused) and
 * {@code expired} (a connection closed because its token ran out).
 */
final class Identities {

    private static final CloseStatus UNAUTHORIZED = new CloseStatus(CloseCodes.UNAUTHORIZED, "unauthorized");
    private static final CloseStatus EXPIRED = new CloseStatus(CloseCodes.UNAUTHORIZED, "token expired");
    private static final CloseStatus TOO_MANY = new CloseStatus(CloseCodes.POLICY_VIOLATION, "too many connections");
    private static final CloseStatus NO_HELLO = new CloseStatus(CloseCodes.HELLO_TIMEOUT, "no hello in time");
    /** How long a hello waits for the cluster-wide count of its user before it goes on uncounted. */
    private static final long COUNT_WAIT_SECONDS = 2;
    private static final Logger log = LoggerFactory.getLogger(Identities.class);

    private final Authenticator auth;
    private final ConnectionLimits connectionLimits;
    private final Rooms rooms;
    private final FrameCodec codec;
    private final NodeId node;
    /** Closes connections that said no hello in time, and those whose token expired. */
    private final ScheduledExecutorService deadlines;
    /** Where hellos and {@code auth} frames that may wait for the issuer's key set are handled; null without a JWKS. */
    private final ExecutorService issuerWaits;
    private final Duration helloTimeout;
    private final Duration clockSkew;
    private final int maxConnectionsPerUser;
    private final Counter helloRefused;
    private final Counter refreshRefused;
    private final Counter expired;

    Identities(Authenticator auth, ConnectionLimits connectionLimits, Rooms rooms, FrameCodec codec, NodeId node,
               ScheduledExecutorService deadlines, ExecutorService issuerWaits, SwitchboardProperties properties,
               MeterRegistry meters) {
        this.auth = auth;
        this.connectionLimits = connectionLimits;
        this.rooms = rooms;
        this.codec = codec;
        this.node = node;
        this.deadlines = deadlines;
        this.issuerWaits = auth.fetchesKeys() ? issuerWaits : null;
        this.helloTimeout = properties.limits().helloTimeout();
        this.clockSkew = properties.auth().jwt().clockSkew();
        this.maxConnectionsPerUser = properties.limits().maxConnectionsPerUser();
        this.helloRefused = authFailures("hello", meters);
        this.refreshRefused = authFailures("refresh", meters);
        this.expired = authFailures("expired", meters);
    }

    private static Counter authFailures(String reason, MeterRegistry meters) {
        return Counter.builder("switchboard.auth.failures").tag("reason", reason)
                .description("tokens refused in hello or auth, and connections closed because their token expired")
                .register(meters);
    }

    boolean anonymous() {
        return auth.anonymous();
    }

    /**
     * Whether handling {@code frame} may wait for the issuer: a hello or {@code auth} in jwt mode with
     * a key set URL, whose token may need the set fetched (at most twice the fetch timeouts).
     */
    boolean mayWaitForIssuer(ClientFrame frame) {
        return issuerWaits != null && (frame instanceof ClientFrame.Hello || frame instanceof ClientFrame.Auth);
    }

    /**
     * Runs {@code handling} on a virtual thread of its own ({@code issuer-waits-N}), so that a frame
     * waiting for the issuer never holds one of Jetty's threads (with virtual threads off, at most
     * {@code server.jetty.threads.max}, shared by every connection); answers when it is done (the
     * connection's next frame is read only then). A failure closes the connection (1011), as one on
     * Jetty's thread would.
     */
    CompletableFuture<Void> offJettysThreads(Connection connection, Supplier<CompletableFuture<Void>> handling) {
        return CompletableFuture.supplyAsync(handling, issuerWaits)
                .thenCompose(next -> next == null ? CompletableFuture.<Void>completedFuture(null) : next)
                .exceptionally(e -> {
                    log.warn("Handling a hello or auth failed", e);
                    connection.outbox.close(CloseStatus.SERVER_ERROR);
                    return null;
                });
    }

    /** A connection was opened: it is closed (4003) unless it says hello in time. */
    void awaitHello(Connection connection) {
        connection.expiresWith(deadlines.schedule(() -> {
            if (connection.member() == null) {
                connection.outbox.close(NO_HELLO);
            }
        }, helloTimeout.toMillis(), TimeUnit.MILLISECONDS));
    }

    /**
     * Says who the connection is. A token that proves nothing gets {@code error unauthorized} and
     * the connection is closed (4001). Answers null when done, or a future that completes once the
     * user's connection was counted (the connection's next frame is read only then).
     */
    CompletableFuture<Void> hello(Connection connection, ClientFrame.Hello hello) {
        if (connection.member() != null) {
            throw new ProtocolException(ErrorCode.BAD_FRAME, "hello was already sent", hello.ref());
        }
        if (hello.protocol() > ClientFrame.CURRENT_PROTOCOL || hello.protocol() < ClientFrame.CURRENT_PROTOCOL - 1) {
            throw new ProtocolException(ErrorCode.UNSUPPORTED_PROTOCOL, "this node serves protocol "
                    + ClientFrame.CURRENT_PROTOCOL + " (and the one before it, if any), not " + hello.protocol(),
                    hello.ref());
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
                helloRefused.increment();
                send(connection, new ServerFrame.Error(ErrorCode.UNAUTHORIZED, e.getMessage(), hello.ref()));
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
        CompletableFuture<Boolean> count = connectionLimits.acquire(counted, connection.id, maxConnectionsPerUser);
        return count.copy().orTimeout(COUNT_WAIT_SECONDS, TimeUnit.SECONDS)
                .handle((taken, error) -> {
                    if (error != null) { // Redis away: let the user in uncounted, as a handshake would be
                        log.debug("Could not count a connection of {}: {}", counted, error.toString());
                        // the count may still be made once Redis answers: it is released after it
                        connectionLimits.release(counted, connection.id);
                    } else if (!taken) {
                        send(connection, new ServerFrame.Error(ErrorCode.TOO_MANY_CONNECTIONS,
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
                    welcome(connection, identity, hello.ref());
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

    /**
     * Takes a fresher token; one that is refused leaves the connection as it was, until its token
     * expires. The rooms the fresher token no longer grants are left, and the client told why.
     */
    void refresh(Connection connection, ClientFrame.Auth refresh) {
        if (auth.anonymous()) {
            throw new ProtocolException(ErrorCode.BAD_FRAME, "auth is for switchboard.auth.mode=jwt", refresh.ref());
        }
        Identity fresh;
        try {
            fresh = auth.refresh(connection.identity(), refresh.token());
        } catch (AuthException e) {
            refreshRefused.increment();
            throw new ProtocolException(ErrorCode.UNAUTHORIZED, e.getMessage(), refresh.ref());
        }
        connection.refreshed(fresh, expiry(connection, fresh));
        send(connection, new ServerFrame.AuthOk(fresh.expiresAt().toEpochMilli(), refresh.ref()));
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
            if (connection.identity() == identity && connection.outbox.isOpen()) {
                expired.increment();
                connection.outbox.close(EXPIRED);
            }
        }, Math.max(0, delay), TimeUnit.MILLISECONDS);
    }

    private void send(Connection connection, ServerFrame frame) {
        connection.deliver(EncodedFrame.of(codec.encode(frame)));
    }
}
