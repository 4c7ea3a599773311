package io.switchboard.session;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.util.ArrayDeque;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import org.eclipse.jetty.http.HttpException;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.http.PreEncodedHttpField;
import org.eclipse.jetty.io.ByteBufferPool;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.ConnectionMetaData;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.Scheduler;
import org.eclipse.jetty.websocket.core.OpCode;
import org.eclipse.jetty.websocket.core.OutgoingEntry;
import org.eclipse.jetty.websocket.core.WebSocketComponents;
import org.eclipse.jetty.websocket.core.WebSocketConnection;
import org.eclipse.jetty.websocket.core.WebSocketCoreSession;
import org.eclipse.jetty.websocket.core.server.internal.AbstractHandshaker;
import org.eclipse.jetty.websocket.core.server.internal.RFC6455Negotiation;
import org.eclipse.jetty.websocket.core.server.internal.WebSocketNegotiation;
import org.eclipse.jetty.websocket.core.util.WebSocketUtils;

/**
 * Jetty's HTTP/1.1 WebSocket upgrade (RFC 6455), making connections that take a frame's finished
 * bytes and write them to the socket themselves ({@link Writer}).
 *
 * <p>A server frame is not masked, so a room's frame (header and payload) is the same bytes for
 * every recipient: {@link io.switchboard.protocol.EncodedFrame#wire()} builds them once per message,
 * and each recipient's copy is one non-blocking write of a view of them. Through Jetty each copy
 * went through two flushers, the session's and the connection's, each with its queue, lock and
 * iteration, and a header generated per recipient: 0.48 times the cost of the write itself on a
 * node that only fans out, against 0.27 this way (docs/benchmarks.md, "Where the fan-out target
 * stands").
 *
 * <p>Jetty still sends frames of its own (pings, pongs and closes the endpoint asks for, the answer
 * to a client's close, the close for a frame its parser refuses) through its flushers; they reach
 * the connection through {@link WebSocketConnection#enqueueFrame}, which the writer takes over, so
 * every frame of the connection is written by one writer, in the order it was given, and one of
 * Jetty's never meets a write of ours still pending.
 *
 * <p>The upgrade itself is Jetty's {@code RFC6455Handshaker}, which is final; its few lines are
 * repeated here to make the connection. Anything else (an HTTP/2 upgrade, RFC 8441) is left to
 * Jetty's handshaker by the caller, and its connections write through Jetty.
 */
final class DirectWrites extends AbstractHandshaker {

    private static final HttpField UPGRADE_WEBSOCKET = new PreEncodedHttpField(HttpHeader.UPGRADE, "websocket");
    private static final HttpField CONNECTION_UPGRADE =
            new PreEncodedHttpField(HttpHeader.CONNECTION, HttpHeader.UPGRADE.asString());

    @Override
    public boolean isWebSocketUpgradeRequest(Request request) {
        return HttpMethod.GET.is(request.getMethod())
                && HttpVersion.HTTP_1_1.is(request.getConnectionMetaData().getProtocol())
                && super.isWebSocketUpgradeRequest(request);
    }

    @Override
    protected WebSocketNegotiation newNegotiation(Request request, Response response, Callback callback,
                                                  WebSocketComponents components) {
        return new RFC6455Negotiation(request, response, callback, components);
    }

    @Override
    protected boolean validateNegotiation(WebSocketNegotiation negotiation) {
        if (!super.validateNegotiation(negotiation)) {
            return false;
        }
        if (((RFC6455Negotiation) negotiation).getKey() == null) {
            throw new HttpException.RuntimeException(HttpStatus.BAD_REQUEST_400, "Missing request header 'Sec-WebSocket-Key'");
        }
        return true;
    }

    @Override
    protected WebSocketConnection createWebSocketConnection(Request request, WebSocketCoreSession session) {
        ConnectionMetaData metaData = request.getConnectionMetaData();
        Connector connector = metaData.getConnector();
        return newWebSocketConnection(metaData.getConnection().getEndPoint(), connector.getExecutor(),
                connector.getScheduler(), connector.getByteBufferPool(), session);
    }

    @Override
    protected WebSocketConnection newWebSocketConnection(EndPoint endPoint, Executor executor, Scheduler scheduler,
                                                         ByteBufferPool buffers, WebSocketCoreSession session) {
        WebSocketConnection connection = new Writer(endPoint, executor, scheduler, buffers, session);
        session.setWebSocketConnection(connection);
        return connection;
    }

    @Override
    protected void prepareResponse(Response response, WebSocketNegotiation negotiation) {
        response.setStatus(HttpStatus.SWITCHING_PROTOCOLS_101);
        response.getHeaders().put(UPGRADE_WEBSOCKET);
        response.getHeaders().put(CONNECTION_UPGRADE);
        response.getHeaders().put(HttpHeader.SEC_WEBSOCKET_ACCEPT,
                WebSocketUtils.hashKey(((RFC6455Negotiation) negotiation).getKey()));
    }

    /**
     * A WebSocket connection with one writer for all its frames: finished frame bytes ({@link
     * #write}) and Jetty's own frames ({@link #enqueueFrame}) are written one after the other, in the
     * order given. Bytes are written at once when nothing is ahead of them and the socket takes them
     * (the usual case: nothing allocated here, no queue); otherwise they wait here, and the socket's readiness
     * (Jetty's {@link EndPoint#write}) or the frame ahead's completion moves the queue on.
     */
    static final class Writer extends WebSocketConnection {

        /**
         * What waits behind the frame being written, made when something first waits (most
         * connections never need one); guarded by {@code this}.
         */
        private ArrayDeque<Pending> queue;
        /** Whether a thread is writing or a write is in flight; guarded by {@code this}. */
        private boolean writing;
        /** Whether a close frame was given: frame bytes given after it are refused; guarded by {@code this}. */
        private boolean closing;
        /** Whether frame bytes are written here ({@link #takeOver}); until then Jetty's frames pass straight through. */
        private volatile boolean takenOver;

        Writer(EndPoint endPoint, Executor executor, Scheduler scheduler, ByteBufferPool buffers,
               WebSocketCoreSession session) {
            super(endPoint, executor, scheduler, buffers, session);
        }

        /**
         * From now on writes {@link #write}'s frame bytes, and Jetty's frames in turn with them; called
         * by the endpoint as it opens, before any frame, on a connection without extensions.
         */
        Writer takeOver() {
            takenOver = true;
            return this;
        }

        /** Writes a whole frame's bytes (a view, consumed), after every frame given before it; {@code done} is told once. */
        void write(ByteBuffer bytes, Wire.Done done) {
            boolean refused;
            synchronized (this) {
                refused = closing;
                if (!refused && !takeOrQueue(bytes, done, null)) {
                    return;
                }
            }
            if (refused) {
                done.failed(new ClosedChannelException());
                return;
            }
            send(bytes, done, null);
        }

        /** A frame of Jetty's: written through Jetty's flusher once every frame given before it is written. */
        @Override
        public void enqueueFrame(OutgoingEntry entry) {
            if (!takenOver) { // a connection with permessage-deflate: Jetty writes all its frames
                super.enqueueFrame(entry);
                return;
            }
            synchronized (this) {
                closing |= entry.getFrame().getOpCode() == OpCode.CLOSE;
                if (!takeOrQueue(null, null, entry)) {
                    return;
                }
            }
            send(null, null, entry);
        }

        /** True when the caller now writes (the writer was idle); false when the item waits behind the write in progress. */
        private boolean takeOrQueue(ByteBuffer bytes, Wire.Done done, OutgoingEntry entry) {
            assert Thread.holdsLock(this);
            if (writing) {
                if (queue == null) {
                    queue = new ArrayDeque<>(4);
                }
                queue.add(new Pending(bytes, done, entry));
                return false;
            }
            writing = true;
            return true;
        }

        /**
         * Writes one item and then what queued behind it, until a write is left in flight or nothing
         * waits. A write that completes later moves the queue on from its callback ({@link Then});
         * one that completes while it is being handed over is followed here, in this loop, so that a
         * long queue never turns into a deep stack.
         */
        private void send(ByteBuffer bytes, Wire.Done done, OutgoingEntry entry) {
            while (true) {
                Then inFlight = null;
                if (entry != null) {
                    inFlight = new Then(null, entry.getCallback());
                    super.enqueueFrame(new OutgoingEntry.Builder(entry).callback(inFlight).build());
                } else {
                    boolean whole = false;
                    try {
                        whole = getEndPoint().flush(bytes);
                        if (!whole) { // the socket took part: Jetty writes the rest once it is writable
                            inFlight = new Then(done, null);
                            getEndPoint().write(inFlight, bytes);
                        }
                    } catch (IOException | RuntimeException e) {
                        // part of a frame may be out: nothing more can follow it on this socket
                        getEndPoint().close(e);
                        done.failed(e);
                        inFlight = null;
                    }
                    if (whole) {
                        done.written();
                    }
                }
                if (inFlight != null && !inFlight.second()) {
                    return; // its callback moves the queue on
                }
                Pending next = next();
                if (next == null) {
                    return;
                }
                bytes = next.bytes;
                done = next.done;
                entry = next.entry;
            }
        }

        /** Frame bytes with their outcome, or one of Jetty's frames. */
        private record Pending(ByteBuffer bytes, Wire.Done done, OutgoingEntry entry) {}

        /**
         * A write in flight: tells its outcome ({@code done}'s, or Jetty's callback's), and then
         * whichever comes second, this or {@link #send} handing the write over, writes what waits.
         */
        private final class Then implements Callback {
            private final Wire.Done done;
            private final Callback callback;
            private final AtomicBoolean firstCame = new AtomicBoolean();

            Then(Wire.Done done, Callback callback) {
                this.done = done;
                this.callback = callback;
            }

            /** True for the second of the two callers. */
            boolean second() {
                return !firstCame.compareAndSet(false, true);
            }

            @Override
            public void succeeded() {
                if (done != null) {
                    done.written();
                } else {
                    callback.succeeded();
                }
                if (second()) {
                    writeNext();
                }
            }

            @Override
            public void failed(Throwable cause) {
                if (done != null) {
                    done.failed(cause);
                } else {
                    callback.failed(cause);
                }
                if (second()) {
                    writeNext();
                }
            }

            /** Jetty's callback's own; the rest of the queue is written without waiting. */
            @Override
            public InvocationType getInvocationType() {
                return callback == null ? InvocationType.NON_BLOCKING : callback.getInvocationType();
            }
        }

        /** Moves the queue on after a write that completed later. */
        private void writeNext() {
            Pending next = next();
            if (next != null) {
                send(next.bytes, next.done, next.entry);
            }
        }

        /** What waits next, taken off the queue; null, and the writer idle, when nothing does. */
        private synchronized Pending next() {
            Pending next = queue == null ? null : queue.poll();
            if (next == null) {
                writing = false;
            }
            return next;
        }
    }
}
