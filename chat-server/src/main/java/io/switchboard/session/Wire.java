package io.switchboard.session;

import io.switchboard.protocol.EncodedFrame;
import java.nio.ByteBuffer;
import org.springframework.web.socket.CloseStatus;

/** A connection's socket as its {@link Outbox} uses it: asynchronous sends, never a blocked caller. */
interface Wire {

    /** Queues a text frame; {@code done} is told once, when it was written or could not be. */
    void send(EncodedFrame frame, Done done);

    /** Sends a WebSocket ping (empty); the peer's pong, like any frame, shows it is alive. {@code done} as for send. */
    void ping(Done done);

    /** Answers a peer's ping with a pong carrying {@code payload}; {@code done} as for send. */
    void pong(ByteBuffer payload, Done done);

    /** Sends a close frame after what is already queued. */
    void close(CloseStatus status);

    /** Drops the connection at once, without a close handshake (a peer that stopped reading); no-op once closed. */
    void abort();

    /** Whether frames can still be sent (false from the moment a close is sent). */
    boolean isOpen();

    /** The outcome of one {@link #send}. */
    interface Done {
        void written();

        void failed(Throwable cause);
    }
}
