package io.switchboard.bench.client;

import java.nio.ByteBuffer;
import java.util.Arrays;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.websocket.core.CloseStatus;
import org.eclipse.jetty.websocket.core.CoreSession;
import org.eclipse.jetty.websocket.core.Frame;
import org.eclipse.jetty.websocket.core.FrameHandler;
import org.eclipse.jetty.websocket.core.OpCode;
import org.eclipse.jetty.websocket.core.exception.MessageTooLargeException;

/**
 * One WebSocket connection of a member, on Jetty's WebSocket core: each whole text message reaches
 * the member as its UTF-8 bytes, on the I/O thread that read it, with no decoding to a
 * {@code String} and no hand-off to another thread. The member picks out what it needs (see
 * {@link JsonFields}); that is what keeps the receive path cheaper than the servers it measures.
 *
 * <p>Jetty reads the next frame only when asked ({@link CoreSession#demand()}), and this asks from
 * inside {@link #onFrame}, once a frame is handled: a connection's messages reach its listener one
 * at a time, in order, and Jetty keeps reading on the same thread. When the server accepted
 * permessage-deflate, Jetty's extension inflates the frames before they get here (an inflated
 * message may arrive as several frames; they are joined here).
 *
 * <p>Sends may come from any thread: Jetty queues frames and writes them without blocking.
 */
final class TextSocket implements FrameHandler {

    private static final String DEFLATE = "permessage-deflate";

    /** What the owner of a connection hears, on the I/O thread that read it, one call at a time. */
    interface Listener {

        /** The connection is open; frames may be sent on {@code socket} from now on. */
        void onOpen(TextSocket socket);

        /**
         * One whole text message: its UTF-8 bytes are {@code utf8[from, to)}. The array belongs to
         * Jetty or to this socket and is reused once the call returns: copy what must be kept.
         * Throwing closes the connection (1011).
         */
        void onText(byte[] utf8, int from, int to);

        /** The connection closed (by either side, or lost: 1006). Not called when the handshake failed. */
        void onClose(int code, String reason);
    }

    private final Listener listener;
    private final int maxMessageBytes;
    /** Set once the connection is open, and kept: sending on a closed session only drops the frame. */
    private volatile CoreSession session;
    /** Joins a message that came in several frames, or copies one that is not in a heap buffer; grown on need. */
    private byte[] assembly = new byte[0];
    private int assembled;
    /** Whether the message in progress (continuation frames follow its first frame) is text. */
    private boolean text;

    TextSocket(Listener listener, int maxMessageBytes) {
        this.listener = listener;
        this.maxMessageBytes = maxMessageBytes;
    }

    /** Sends one text frame, without waiting; a frame sent after the close is dropped. */
    void send(String message) {
        CoreSession s = session;
        if (s != null) {
            s.sendFrame(new Frame(OpCode.TEXT, message), Callback.NOOP, false);
        }
    }

    /** Closes the connection normally (1000); {@link Listener#onClose} follows. */
    void close() {
        CoreSession s = session;
        if (s != null) {
            s.close(CloseStatus.NORMAL, null, Callback.NOOP);
        }
    }

    /** Whether the server accepted permessage-deflate on this connection. */
    boolean deflateNegotiated() {
        CoreSession s = session;
        return s != null && s.getNegotiatedExtensions().stream().anyMatch(e -> DEFLATE.equals(e.getName()));
    }

    @Override
    public void onOpen(CoreSession coreSession, Callback callback) {
        session = coreSession;
        listener.onOpen(this);
        callback.succeeded();
        coreSession.demand();
    }

    @Override
    public void onFrame(Frame frame, Callback callback) {
        try {
            switch (frame.getOpCode()) {
                case OpCode.TEXT -> {
                    text = true;
                    data(frame);
                }
                case OpCode.CONTINUATION -> {
                    if (text) {
                        data(frame);
                    }
                }
                case OpCode.BINARY -> text = false; // neither system sends binary: skipped
                case OpCode.PING -> pong(frame);
                default -> { } // PONG is ignored; CLOSE is answered by Jetty once this succeeds
            }
        } catch (RuntimeException e) {
            callback.failed(e); // Jetty closes the connection: 1009 when too large, else 1011
            return;
        }
        callback.succeeded();
        session.demand();
    }

    private void data(Frame frame) {
        ByteBuffer payload = frame.hasPayload() ? frame.getPayload() : ByteBuffer.allocate(0);
        if (frame.isFin() && assembled == 0 && payload.hasArray()) {
            // the usual case: one frame, read into Jetty's heap buffer, handed over where it lies
            int from = payload.arrayOffset() + payload.position();
            listener.onText(payload.array(), from, from + payload.remaining());
            return;
        }
        int length = assembled + payload.remaining();
        if (length > maxMessageBytes) {
            assembled = 0;
            throw new MessageTooLargeException("text message over " + maxMessageBytes + " bytes");
        }
        if (length > assembly.length) {
            assembly = Arrays.copyOf(assembly, Math.min(maxMessageBytes, Math.max(length, 2 * assembly.length)));
        }
        payload.get(assembly, assembled, payload.remaining());
        assembled = length;
        if (frame.isFin()) {
            assembled = 0;
            listener.onText(assembly, 0, length);
        }
    }

    private void pong(Frame ping) {
        ByteBuffer payload = ByteBuffer.allocate(ping.getPayloadLength());
        if (ping.hasPayload()) {
            payload.put(ping.getPayload()).flip();
        }
        session.sendFrame(new Frame(OpCode.PONG, payload), Callback.NOOP, false);
    }

    @Override
    public void onError(Throwable cause, Callback callback) {
        // a failed handshake fails the connect future; a failure after it also closes: onClosed follows
        callback.succeeded();
    }

    @Override
    public void onClosed(CloseStatus status, Callback callback) {
        listener.onClose(status.getCode(), status.getReason());
        callback.succeeded();
    }
}
