package io.switchboard.session;

import io.switchboard.protocol.EncodedFrame;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.function.UnaryOperator;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Utf8StringBuilder;
import org.eclipse.jetty.websocket.core.CloseStatus;
import org.eclipse.jetty.websocket.core.CoreSession;
import org.eclipse.jetty.websocket.core.Frame;
import org.eclipse.jetty.websocket.core.FrameHandler;
import org.eclipse.jetty.websocket.core.OpCode;
import org.eclipse.jetty.websocket.core.WebSocketCoreSession;
import org.eclipse.jetty.websocket.core.exception.BadPayloadException;
import org.eclipse.jetty.websocket.core.exception.MessageTooLargeException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One {@code /ws} connection on Jetty's WebSocket core, which is both how frames come in and the
 * {@link Wire} they go out on. Written against the core API rather than through Spring's or Jetty's
 * endpoint adapters because those keep the whole HTTP upgrade request (headers, servlet request,
 * parser) for the life of the connection: with them an idle connection costs about twice the heap
 * (docs/benchmarks.md). Outgoing frames are the room's shared bytes, queued without waiting: on a
 * connection without extensions written to the socket as finished frames ({@link DirectWrites}),
 * on one with permessage-deflate through Jetty.
 *
 * <p>Jetty reads the next frame only when asked ({@link CoreSession#demand()}), after the last one
 * was handled: a connection's frames are handled one at a time, in order.
 */
final class ChatEndpoint implements FrameHandler, Wire {

    private static final Logger log = LoggerFactory.getLogger(ChatEndpoint.class);

    private final ChatHandler handler;
    /** Compresses a frame once for every connection that negotiated permessage-deflate; null on the others. */
    private UnaryOperator<ByteBuffer> deflate;
    private CoreSession session;
    /** Writes room frames' finished bytes to the socket; null where Jetty writes them (deflate, HTTP/2). */
    private DirectWrites.Writer writer;
    private Connection connection;
    /** Only for a text message split over several frames (browsers send one frame per message). */
    private Utf8StringBuilder fragments;
    /** The UTF-8 bytes of {@link #fragments} so far: its length counts characters, and the limit is in bytes. */
    private long fragmentBytes;

    private final String id;
    /** The client's address. */
    private final String address;
    /** The key this connection is counted under for its address, or null. */
    private final String countedAddress;

    ChatEndpoint(ChatHandler handler, UnaryOperator<ByteBuffer> deflate, String id, String address,
                 String countedAddress) {
        this.handler = handler;
        this.deflate = deflate;
        this.id = id;
        this.address = address;
        this.countedAddress = countedAddress;
    }

    @Override
    public void onOpen(CoreSession session, Callback callback) {
        this.session = session;
        if (!session.isRsv1Used()) { // permessage-deflate was not negotiated
            deflate = null;
            if (session instanceof WebSocketCoreSession core && core.getConnection() instanceof DirectWrites.Writer w) {
                writer = w.takeOver();
            }
        }
        this.connection = handler.opened(this, id, address, countedAddress);
        callback.succeeded();
        session.demand();
    }

    @Override
    public void onFrame(Frame frame, Callback callback) {
        connection.heard(System.nanoTime());
        switch (frame.getOpCode()) {
            case OpCode.TEXT -> text(frame, callback);
            case OpCode.CONTINUATION -> {
                if (fragments == null) {
                    binary(frame, callback); // the continuation of a binary message
                } else {
                    text(frame, callback);
                }
            }
            case OpCode.BINARY -> binary(frame, callback);
            case OpCode.PING -> {
                // copied: the frame's payload is the read buffer's, reused once this frame succeeds
                ByteBuffer payload = ByteBuffer.allocate(frame.getPayloadLength()).put(frame.getPayload()).flip();
                handler.ping(connection, payload);
                callback.succeeded();
                session.demand();
            }
            case OpCode.PONG -> {
                handler.pong(connection);
                callback.succeeded();
                session.demand();
            }
            default -> { // CLOSE is answered by Jetty once this succeeds
                callback.succeeded();
                session.demand();
            }
        }
    }

    /** Refused: with 1009 over the binary limit, as Jetty's core leaves that to the handler; with 1003 otherwise. */
    private void binary(Frame frame, Callback callback) {
        if (frame.getPayloadLength() > session.getMaxBinaryMessageSize()) {
            callback.failed(new MessageTooLargeException(
                    "binary frame over " + session.getMaxBinaryMessageSize() + " bytes"));
            return;
        }
        handler.binary(connection);
        callback.succeeded();
    }

    private void text(Frame frame, Callback callback) {
        if (frame.isFin() && fragments == null) {
            if (frame.getPayloadLength() > session.getMaxTextMessageSize()) {
                callback.failed(tooLarge());
                return;
            }
            Utf8StringBuilder utf8 = new Utf8StringBuilder(frame.getPayloadLength());
            utf8.append(frame.getPayload());
            handle(utf8, callback);
            return;
        }
        if (fragments == null) {
            fragments = new Utf8StringBuilder();
            fragmentBytes = 0;
        }
        fragmentBytes += frame.getPayloadLength();
        if (fragmentBytes > session.getMaxTextMessageSize()) {
            callback.failed(tooLarge());
            return;
        }
        fragments.append(frame.getPayload());
        if (!frame.isFin()) {
            callback.succeeded();
            session.demand();
            return;
        }
        Utf8StringBuilder whole = fragments;
        fragments = null;
        handle(whole, callback);
    }

    private void handle(Utf8StringBuilder utf8, Callback callback) {
        String text;
        try {
            text = utf8.takeCompleteString(() -> new BadPayloadException("invalid UTF-8"));
        } catch (BadPayloadException e) {
            callback.failed(e); // Jetty closes with 1007
            return;
        }
        CompletableFuture<Void> handled = handler.text(connection, text);
        if (handled == null) {
            callback.succeeded();
            session.demand();
        } else { // the next frame is read once this one is done (a hello waiting for its user's count)
            handled.whenComplete((done, error) -> {
                callback.succeeded();
                session.demand();
            });
        }
    }

    private MessageTooLargeException tooLarge() {
        return new MessageTooLargeException("text message over " + session.getMaxTextMessageSize() + " bytes");
    }

    @Override
    public void onError(Throwable cause, Callback callback) {
        log.debug("Transport error: {}", cause.toString());
        callback.succeeded();
    }

    @Override
    public void onClosed(CloseStatus status, Callback callback) {
        if (connection != null) {
            handler.closed(connection, status.getCode());
        }
        callback.succeeded();
    }

    @Override
    public void send(EncodedFrame frame, Done done) {
        if (writer != null) {
            writer.write(frame.wire(), done);
            return;
        }
        ByteBuffer compressed = deflate == null ? null : frame.compressed(deflate);
        Frame out = compressed == null ? new Frame(OpCode.TEXT, frame.payload())
                : new Frame(OpCode.TEXT, compressed).setRsv1(true); // see SharedDeflate
        session.sendFrame(out, new Sent(done), false);
    }

    /** One object per delivery where {@code Callback.from(done::written, done::failed)} would make three. */
    private record Sent(Done done) implements Callback {
        @Override
        public void succeeded() {
            done.written();
        }

        @Override
        public void failed(Throwable cause) {
            done.failed(cause);
        }
    }

    @Override
    public void ping(Done done) {
        session.sendFrame(new Frame(OpCode.PING), new Sent(done), false);
    }

    @Override
    public void pong(ByteBuffer payload, Done done) {
        session.sendFrame(new Frame(OpCode.PONG, payload), new Sent(done), false);
    }

    @Override
    public void close(org.springframework.web.socket.CloseStatus status) {
        session.close(status.getCode(), status.getReason(), Callback.NOOP);
    }

    @Override
    public void abort() {
        session.abort();
    }

    @Override
    public boolean isOpen() {
        return session.isOutputOpen();
    }
}
