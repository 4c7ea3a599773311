package io.switchboard.session;

import io.switchboard.protocol.EncodedFrame;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.websocket.core.CoreSession;
import org.eclipse.jetty.websocket.core.Frame;
import org.eclipse.jetty.websocket.core.OpCode;
import org.springframework.web.socket.CloseStatus;
import org.springframework.web.socket.WebSocketSession;
import org.springframework.web.socket.adapter.NativeWebSocketSession;

/**
 * Writes straight to Jetty's WebSocket core session: a frame's bytes go to the socket as they are
 * (one encoding shared by every recipient), and a send only queues, so neither a room's thread nor a
 * virtual thread ever waits on a slow socket. Spring's {@code WebSocketSession#sendMessage} would
 * re-encode each frame and block until it is written.
 */
final class JettyWire implements Wire {

    private final CoreSession session;

    private JettyWire(CoreSession session) {
        this.session = session;
    }

    static Wire of(WebSocketSession session) {
        var jetty = ((NativeWebSocketSession) session).getNativeSession(org.eclipse.jetty.websocket.api.Session.class);
        return new JettyWire(((org.eclipse.jetty.websocket.common.WebSocketSession) jetty).getCoreSession());
    }

    @Override
    public void send(EncodedFrame frame, Done done) {
        session.sendFrame(new Frame(OpCode.TEXT, frame.payload()), Callback.from(done::written, done::failed), false);
    }

    @Override
    public void close(CloseStatus status) {
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
