package io.switchboard.protocol;

/**
 * A frame a client sends: one JSON text frame whose {@code type} names it. Every frame may carry
 * an optional {@code ref} that the server echoes in the answer ({@code joined}, {@code ack},
 * {@code history}, {@code pong}, {@code error}), so a client can match answers to requests.
 */
public sealed interface ClientFrame {

    /** The client's correlation id for this frame, or {@code null}. */
    String ref();

    /**
     * {@code hello {name}} or {@code hello {token}}: says who the connection is (a name when
     * anonymous, a token in jwt mode), and, with {@code protocol}, which version of the protocol the
     * client speaks ({@link #CURRENT_PROTOCOL} when it does not say). Must come first; only once.
     */
    record Hello(String name, String token, int protocol, String ref) implements ClientFrame {

        public Hello(String name, String token, String ref) {
            this(name, token, CURRENT_PROTOCOL, ref);
        }
    }

    /** The newest protocol version this release speaks (docs/protocol.md). */
    int CURRENT_PROTOCOL = 1;

    /** {@code auth {token}}: a fresher token for the same user, before the current one expires. */
    record Auth(String token, String ref) implements ClientFrame {}

    /** {@code join {room, since?}}: enter a room; with {@code since}, resume from that position. */
    record Join(String room, Position since, String ref) implements ClientFrame {}

    /** {@code leave {room}}. */
    record Leave(String room, String ref) implements ClientFrame {}

    /** {@code send {room, text, clientMsgId}}: publish to a joined room. */
    record Send(String room, String text, String clientMsgId, String ref) implements ClientFrame {}

    /** {@code typing {room}}: tell the room this connection is typing (not stored). */
    record Typing(String room, String ref) implements ClientFrame {}

    /** {@code history {room, before?, limit?}}: a page of stored messages older than {@code before}. */
    record History(String room, Long before, int limit, String ref) implements ClientFrame {}

    /** {@code ping}: answered by {@code pong}. */
    record Ping(String ref) implements ClientFrame {}
}
