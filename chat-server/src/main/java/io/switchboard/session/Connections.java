package io.switchboard.session;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.switchboard.cluster.ConnectionCount;
import io.switchboard.protocol.CloseCodes;
import io.switchboard.protocol.EncodedFrame;
import io.switchboard.protocol.FrameCodec;
import io.switchboard.protocol.ServerFrame;
import io.switchboard.room.Recipient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.LongSupplier;
import org.springframework.web.socket.CloseStatus;

/**
 * The live connections of this node, as drain, rebalance and metrics see them: how many there are,
 * and a way to move them to other nodes without losing anything.
 *
 * <p>Moving a connection away sends it {@code reconnect {reason, retryAfterMs}} and closes it with
 * {@code 1012} once the frames already queued for it are written, so the client has every message
 * up to its last offset and resumes on another node with {@code since}. {@link #moveAway(MovePlan)}
 * does that for many connections, paced, so the nodes they land on never take a thundering herd.
 */
public final class Connections implements ConnectionCount {

    static final CloseStatus SERVICE_RESTART = new CloseStatus(CloseCodes.SERVICE_RESTART, "moving to another node");
    private static final CloseStatus SILENT = new CloseStatus(CloseCodes.HEARTBEAT_TIMEOUT, "no answer to ping");
    /**
     * The close codes counted by name: RFC 6455's that a connection ends with (normal, going away,
     * protocol error, none given, no close frame, invalid UTF-8, server error) and the node's own.
     * A client may close with any code from 3000 to 4999: every other code counts as {@code other},
     * so no client can add series to the node's metrics.
     */
    private static final int[] COUNTED_CLOSES = {1000, 1001, 1002, 1005, 1006, 1007, 1011,
            CloseCodes.UNSUPPORTED_DATA, CloseCodes.POLICY_VIOLATION, CloseCodes.MESSAGE_TOO_BIG,
            CloseCodes.SERVICE_RESTART, CloseCodes.UNAUTHORIZED, CloseCodes.HEARTBEAT_TIMEOUT,
            CloseCodes.HELLO_TIMEOUT, CloseCodes.SLOW_CONSUMER, CloseCodes.DISCONNECTED,
            CloseCodes.DISCONNECTED_MAY_RECONNECT};
    /** The longest close reason a close frame carries, in UTF-8 bytes (RFC 6455: 125 less the code). */
    private static final int MAX_REASON_BYTES = 123;

    private final Map<String, Connection> live = new ConcurrentHashMap<>();
    private final FrameCodec codec;
    private final ScheduledExecutorService scheduler;
    private final MeterRegistry meters;
    private final Counter overflows;
    private final Counter opened;
    /** {@code switchboard.closes{code}}: one counter per code of {@link #COUNTED_CLOSES}, in its order. */
    private final Counter[] closes = new Counter[COUNTED_CLOSES.length];
    private final Counter otherCloses;
    /** The clock moves are paced by: {@code System::nanoTime}, or a test's. */
    private final LongSupplier clock;
    /** What a {@link Move} goes through: these connections. */
    private final Move.Pool pool = new Move.Pool() {
        @Override
        public int count() {
            return Connections.this.count();
        }

        @Override
        public Iterable<Connection> all() {
            return Connections.this.all();
        }

        @Override
        public boolean moveAway(Connection connection, String reason, long jitterMs) {
            return Connections.this.moveAway(connection, reason, jitterMs);
        }
    };

    Connections(FrameCodec codec, ScheduledExecutorService scheduler, MeterRegistry meters) {
        this(codec, scheduler, meters, System::nanoTime);
    }

    Connections(FrameCodec codec, ScheduledExecutorService scheduler, MeterRegistry meters, LongSupplier clock) {
        this.codec = codec;
        this.scheduler = scheduler;
        this.meters = meters;
        this.clock = clock;
        Gauge.builder("switchboard.connections", live, Map::size)
                .description("WebSocket connections open on this node").register(meters);
        this.opened = Counter.builder("switchboard.connections.opened")
                .description("WebSocket connections opened on this node (a reconnect is one more)").register(meters);
        this.overflows = Counter.builder("switchboard.outbox.overflows")
                .description("connections closed with 4008 because their outbox overflowed").register(meters);
        for (int i = 0; i < COUNTED_CLOSES.length; i++) {
            closes[i] = closes(Integer.toString(COUNTED_CLOSES[i]), meters);
        }
        this.otherCloses = closes("other", meters);
        MovePlan.REASONS.forEach(reason -> moved(reason, meters));
    }

    private static Counter moved(String reason, MeterRegistry meters) {
        return Counter.builder("switchboard.connections.moved")
                .description("connections told to reconnect to another node and closed with 1012")
                .tag("reason", reason).register(meters);
    }

    private static Counter closes(String code, MeterRegistry meters) {
        return Counter.builder("switchboard.closes").tag("code", code)
                .description("connections ended, by the close code they ended with").register(meters);
    }

    /**
     * Closes every connection on this node of {@code user} (its token's user; an anonymous
     * connection is whoever its name says, so its name), with {@link CloseCodes#DISCONNECTED} and
     * {@code reason}, or {@link CloseCodes#DISCONNECTED_MAY_RECONNECT} if it may come back. Answers
     * how many it closed.
     */
    public int disconnect(String user, String reason, boolean reconnect) {
        CloseStatus status = new CloseStatus(reconnect ? CloseCodes.DISCONNECTED_MAY_RECONNECT : CloseCodes.DISCONNECTED,
                fit(reason));
        List<Connection> closing = of(user);
        closing.forEach(connection -> connection.outbox.close(status));
        return closing.size();
    }

    /**
     * The connections on this node of {@code user}: its token's user, or, anonymous, whoever its
     * name says ({@link io.switchboard.protocol.Member#account()}).
     */
    public List<Recipient> recipients(String user) {
        return new ArrayList<>(of(user));
    }

    private List<Connection> of(String user) {
        List<Connection> found = new ArrayList<>();
        for (Connection connection : live.values()) {
            var identity = connection.identity();
            if (identity != null && user.equals(identity.anonymous() ? identity.name() : identity.user())) {
                found.add(connection);
            }
        }
        return found;
    }

    /** {@code reason}, cut to what a close frame carries, never inside a character. */
    private static String fit(String reason) {
        byte[] bytes = reason.getBytes(StandardCharsets.UTF_8);
        if (bytes.length <= MAX_REASON_BYTES) {
            return reason;
        }
        int end = reason.length();
        while (reason.substring(0, end).getBytes(StandardCharsets.UTF_8).length > MAX_REASON_BYTES) {
            end = Character.isLowSurrogate(reason.charAt(end - 1)) ? end - 2 : end - 1;
        }
        return reason.substring(0, end);
    }

    /** Connections open now. */
    @Override
    public int count() {
        return live.size();
    }

    /**
     * Moves connections away, paced by {@code plan}: returns at once; the returned {@link Move}
     * reports progress and can be cancelled.
     */
    public Move moveAway(MovePlan plan) {
        Move move = new Move(pool, plan, moved(plan.reason(), meters), scheduler, clock);
        move.start();
        return move;
    }

    /** Tells one connection to reconnect elsewhere after a random delay up to {@code jitterMs}, then closes it. */
    boolean moveAway(Connection connection, String reason, long jitterMs) {
        if (!connection.markMoving()) {
            return false;
        }
        long retryAfter = jitterMs <= 0 ? 0 : ThreadLocalRandom.current().nextLong(jitterMs + 1);
        connection.deliver(EncodedFrame.of(codec.encode(new ServerFrame.Reconnect(reason, retryAfter))));
        connection.outbox.close(SERVICE_RESTART);
        return true;
    }

    /** Pings the connections quiet for {@code interval}; closes those still quiet {@code timeout} after (4002). */
    void heartbeat(Duration interval, Duration timeout) {
        long now = System.nanoTime();
        for (Connection connection : live.values()) {
            connection.heartbeat(now, interval.toNanos(), timeout.toNanos(), SILENT);
        }
    }

    /** A connection ended with close code {@code code}. */
    void ended(int code) {
        for (int i = 0; i < COUNTED_CLOSES.length; i++) {
            if (COUNTED_CLOSES[i] == code) {
                closes[i].increment();
                return;
            }
        }
        otherCloses.increment();
    }

    /** A connection's outbox overflowed: it is being closed as a slow consumer. */
    void overflowed() {
        overflows.increment();
    }

    Iterable<Connection> all() {
        return live.values();
    }

    void add(Connection connection) {
        live.put(connection.id, connection);
        opened.increment();
    }

    void remove(Connection connection) {
        live.remove(connection.id);
    }
}
