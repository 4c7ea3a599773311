package io.switchboard.session;

import io.switchboard.config.Limits;
import io.switchboard.protocol.ClientFrame;
import io.switchboard.protocol.CloseCodes;
import io.switchboard.protocol.EncodedFrame;
import io.switchboard.protocol.ErrorCode;
import io.switchboard.protocol.FrameCodec;
import io.switchboard.protocol.ServerFrame;
import java.nio.ByteBuffer;
import org.springframework.web.socket.CloseStatus;

/**
 * The budgets every frame of a connection draws on before anything else is done with it: sends and
 * typing notices share one (both are relayed to a whole room), and on one of the user's too (jwt
 * mode); joins, leaves and history requests another (each is room work and Redis reads); everything
 * else, or anything before {@code hello}, a third: {@code hello}, {@code auth}, {@code ping},
 * WebSocket pings, frames refused as invalid. A frame beyond its budget is answered {@code
 * rate_limited} with the wait for the next token (a WebSocket ping is left unanswered), and a
 * connection refused {@code abuse-threshold} times in a row is closed with 1008.
 */
final class FrameBudgets {

    private static final CloseStatus ABUSE = new CloseStatus(CloseCodes.POLICY_VIOLATION, "rate limit exceeded persistently");
    private static final String ROOM_WORK = "joins, leaves and history requests";
    private static final String OTHER = "hello, auth and ping frames";

    private final FrameCodec codec;
    private final int abuseThreshold;
    /** Sends and typing notices by user, on this node: all of a user's connections draw on one. */
    private final KeyedRates userRates;

    FrameBudgets(FrameCodec codec, Limits limits) {
        this.codec = codec;
        this.abuseThreshold = limits.abuseThreshold();
        this.userRates = new KeyedRates(limits.userMessagesPerSecond(), limits.userBurst());
    }

    /** Takes a token for {@code frame} from the connection's budget for its kind, or refuses it. */
    boolean take(Connection connection, ClientFrame frame) {
        if (connection.member() == null) {
            return take(connection, connection.otherRate, "frames before hello", frame.ref());
        }
        return switch (frame) {
            case ClientFrame.Send send -> take(connection, connection.sendRate, "messages", send.ref());
            case ClientFrame.Typing typing -> take(connection, connection.sendRate, "messages", typing.ref());
            case ClientFrame.Join join -> take(connection, connection.joinRate, ROOM_WORK, join.ref());
            case ClientFrame.Leave leave -> take(connection, connection.joinRate, ROOM_WORK, leave.ref());
            case ClientFrame.History history -> take(connection, connection.joinRate, ROOM_WORK, history.ref());
            case ClientFrame.Hello hello -> take(connection, connection.otherRate, OTHER, hello.ref());
            case ClientFrame.Auth refresh -> take(connection, connection.otherRate, OTHER, refresh.ref());
            case ClientFrame.Ping ping -> take(connection, connection.otherRate, OTHER, ping.ref());
        };
    }

    /** For a frame refused as invalid: takes a token of the connection's third budget, or refuses it. */
    boolean takeInvalid(Connection connection, String ref) {
        return take(connection, connection.otherRate, "invalid frames", ref);
    }

    /** For a send or typing notice: takes a token of its user's budget too (jwt mode), or refuses it. */
    boolean takeForUser(Connection connection, String ref) {
        String user = connection.identity().user();
        long wait = user == null ? 0 : userRates.waitFor(user);
        return wait == 0 || refused(connection, "messages from your user", wait, ref);
    }

    /**
     * A WebSocket ping: answered with a pong through the outbox (so a peer that pings and never
     * reads is cut like any slow consumer), within the connection's third budget; one beyond it is
     * not answered, and counts as refused.
     */
    void ping(Connection connection, ByteBuffer payload) {
        if (takeControl(connection)) {
            connection.outbox.pong(payload);
        }
    }

    /**
     * A WebSocket pong, asked for or not: it draws on the third budget like a ping and is otherwise
     * ignored, so that a peer flooding pongs is closed (1008) like one flooding anything else, instead
     * of holding a thread that reads its frames for as long as it keeps sending.
     */
    void pong(Connection connection) {
        takeControl(connection);
    }

    /** Takes a token of the third budget for a control frame; beyond it the frame counts as refused (no answer). */
    private boolean takeControl(Connection connection) {
        if (connection.otherRate.tryAcquire(System.nanoTime())) {
            connection.taken();
            return true;
        }
        if (connection.refusedAgain(abuseThreshold)) {
            connection.outbox.close(ABUSE);
        }
        return false;
    }

    private boolean take(Connection connection, RateLimiter rate, String what, String ref) {
        if (rate.tryAcquire(System.nanoTime())) {
            connection.taken();
            return true;
        }
        return refused(connection, what, rate.millisUntilNext(), ref);
    }

    /** Answers {@code rate_limited}, or closes with 1008 once refused too often in a row. Always false. */
    private boolean refused(Connection connection, String what, long waitMillis, String ref) {
        if (connection.refusedAgain(abuseThreshold)) {
            connection.outbox.close(ABUSE);
        } else {
            connection.deliver(EncodedFrame.of(codec.encode(new ServerFrame.Error(ErrorCode.RATE_LIMITED,
                    "too many " + what + "; slow down", waitMillis, ref))));
        }
        return false;
    }
}
