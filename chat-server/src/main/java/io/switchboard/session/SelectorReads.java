package io.switchboard.session;

import java.util.concurrent.Executor;
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
import org.eclipse.jetty.websocket.core.WebSocketComponents;
import org.eclipse.jetty.websocket.core.WebSocketConnection;
import org.eclipse.jetty.websocket.core.WebSocketCoreSession;
import org.eclipse.jetty.websocket.core.server.internal.AbstractHandshaker;
import org.eclipse.jetty.websocket.core.server.internal.RFC6455Negotiation;
import org.eclipse.jetty.websocket.core.server.internal.WebSocketNegotiation;
import org.eclipse.jetty.websocket.core.util.WebSocketUtils;

/**
 * Jetty's HTTP/1.1 WebSocket upgrade (RFC 6455), making connections that read and handle their
 * frames on the selector thread that saw the bytes arrive.
 *
 * <p>Jetty's own connection asks to be told of readable bytes with a callback it declares
 * blocking, so its selector hands every read to the thread pool: a new virtual thread per frame,
 * and a carrier thread unparked for it, then the read interest registered again from that thread,
 * which wakes the selector once more. At 400 messages a second on two cores those hand-offs cost
 * more than handling the frames (docs/benchmarks.md, "Fan-out CPU per delivery"). Handling a chat
 * frame never waits: the room layer's Redis calls are asynchronous, writes are queued, and a
 * token whose check may fetch the issuer's keys is verified on a thread of its own ({@link
 * Identities}); so these connections declare their read callback non-blocking and Jetty's
 * selector runs it in place. A frame whose handling goes on asynchronously (a hello waiting for its
 * user's count) resumes reading on Jetty's pool, as before, and returns to the selector at the next
 * wait for bytes.
 *
 * <p>The upgrade itself is Jetty's {@code RFC6455Handshaker}, which is final; its few lines are
 * repeated here to make the connection. Anything else (an HTTP/2 upgrade, RFC 8441) is left to
 * Jetty's handshaker by the caller.
 */
final class SelectorReads extends AbstractHandshaker {

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
        WebSocketConnection connection = new OnSelector(endPoint, executor, scheduler, buffers, session);
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

    /** A WebSocket connection whose reads the selector runs in place (the callback says it does not block). */
    private static final class OnSelector extends WebSocketConnection {

        private final Callback fillable = new Callback() {
            @Override
            public void succeeded() {
                onFillable();
            }

            @Override
            public void failed(Throwable cause) {
                onFillInterestedFailed(cause);
            }

            @Override
            public InvocationType getInvocationType() {
                return InvocationType.NON_BLOCKING;
            }
        };

        OnSelector(EndPoint endPoint, Executor executor, Scheduler scheduler, ByteBufferPool buffers,
                   WebSocketCoreSession session) {
            super(endPoint, executor, scheduler, buffers, session);
        }

        @Override
        public void fillInterested() {
            fillInterested(fillable);
        }
    }
}
