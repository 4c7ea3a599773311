package io.switchboard.protocol;

/**
 * WebSocket close codes the server uses, RFC 6455 ones and Switchboard's own (4000-4999). The
 * browser client mirrors these in one module.
 */
public final class CloseCodes {

    /** RFC 6455: the server received a binary frame; the protocol is text only. */
    public static final int UNSUPPORTED_DATA = 1003;
    /** RFC 6455: the client kept sending what a rate limit refused ({@code switchboard.limits.abuse-threshold}). */
    public static final int POLICY_VIOLATION = 1008;
    /** RFC 6455: a frame exceeded {@code switchboard.limits.max-frame-length}. */
    public static final int MESSAGE_TOO_BIG = 1009;
    /** RFC 6455: the node is restarting or draining; reconnect (to any node). */
    public static final int SERVICE_RESTART = 1012;
    /** The connection's token was missing or invalid in {@code hello}, or expired without an {@code auth} refresh. */
    public static final int UNAUTHORIZED = 4001;
    /** The client answered no ping within {@code switchboard.heartbeat.timeout}: a half-open connection. */
    public static final int HEARTBEAT_TIMEOUT = 4002;
    /** The client said no {@code hello} within {@code switchboard.limits.hello-timeout} of opening the connection. */
    public static final int HELLO_TIMEOUT = 4003;
    /** The client did not read its messages fast enough and its outbox overflowed. */
    public static final int SLOW_CONSUMER = 4008;
    /** The app's backend disconnected the user (server API) and does not want it back now: do not reconnect. */
    public static final int DISCONNECTED = 4009;
    /** The app's backend disconnected the user (server API) and lets it come back: reconnect with backoff. */
    public static final int DISCONNECTED_MAY_RECONNECT = 4010;

    private CloseCodes() {
    }
}
