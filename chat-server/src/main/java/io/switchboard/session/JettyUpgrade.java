package io.switchboard.session;

import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.security.Principal;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.eclipse.jetty.ee11.websocket.server.JettyWebSocketCreator;
import org.eclipse.jetty.ee11.websocket.server.JettyWebSocketServerContainer;
import org.eclipse.jetty.websocket.api.ExtensionConfig;
import org.springframework.http.server.ServerHttpRequest;
import org.springframework.http.server.ServerHttpResponse;
import org.springframework.http.server.ServletServerHttpRequest;
import org.springframework.http.server.ServletServerHttpResponse;
import org.springframework.web.socket.WebSocketExtension;
import org.springframework.web.socket.WebSocketHandler;
import org.springframework.web.socket.adapter.jetty.JettyWebSocketHandlerAdapter;
import org.springframework.web.socket.adapter.jetty.JettyWebSocketSession;
import org.springframework.web.socket.server.HandshakeFailureException;
import org.springframework.web.socket.server.RequestUpgradeStrategy;

/**
 * Upgrades {@code /ws} to Jetty's own WebSocket API, which keeps far less per connection than the
 * Jakarta WebSocket layer (measured in docs/benchmarks.md), and decides the extensions itself:
 * Spring's {@code JettyRequestUpgradeStrategy} leaves them to Jetty, which accepts a browser's
 * permessage-deflate offer on every handshake.
 *
 * <p>Deflate is declined unless {@code switchboard.permessage-deflate} is on: with it, every frame
 * is compressed once per recipient instead of encoded once per room, and each connection keeps
 * zlib state; chat frames are short, so the bytes saved pay for neither. When it is on, both
 * directions run without context takeover, so no compression window outlives a message.
 */
final class JettyUpgrade implements RequestUpgradeStrategy {

    private static final String DEFLATE = "permessage-deflate";

    private final boolean deflate;
    private final long maxTextBytes;
    private final int maxBinaryBytes;
    private volatile boolean configured;

    JettyUpgrade(boolean deflate, long maxTextBytes, int maxBinaryBytes) {
        this.deflate = deflate;
        this.maxTextBytes = maxTextBytes;
        this.maxBinaryBytes = maxBinaryBytes;
    }

    @Override
    public String[] getSupportedVersions() {
        return new String[] {"13"};
    }

    @Override
    public List<WebSocketExtension> getSupportedExtensions(ServerHttpRequest request) {
        return List.of(); // decided in the creator below, where Jetty's negotiation can be changed
    }

    @Override
    public void upgrade(ServerHttpRequest request, ServerHttpResponse response, String subProtocol,
                        List<WebSocketExtension> extensions, Principal user, WebSocketHandler handler,
                        Map<String, Object> attributes) throws HandshakeFailureException {
        HttpServletRequest servletRequest = ((ServletServerHttpRequest) request).getServletRequest();
        JettyWebSocketServerContainer container = container(servletRequest);
        JettyWebSocketHandlerAdapter endpoint = new JettyWebSocketHandlerAdapter(handler,
                new JettyWebSocketSession(attributes, user));
        JettyWebSocketCreator creator = (upgradeRequest, upgradeResponse) -> {
            if (subProtocol != null) {
                upgradeResponse.setAcceptedSubProtocol(subProtocol);
            }
            upgradeResponse.setExtensions(accepted(upgradeResponse.getExtensions()));
            return endpoint;
        };
        try {
            container.upgrade(creator, servletRequest, ((ServletServerHttpResponse) response).getServletResponse());
        } catch (IOException | RuntimeException e) {
            throw new HandshakeFailureException("Failed to upgrade", e);
        }
    }

    private List<ExtensionConfig> accepted(List<ExtensionConfig> negotiated) {
        if (!deflate) {
            return List.of();
        }
        return negotiated.stream().filter(extension -> DEFLATE.equals(extension.getName())).limit(1)
                .peek(extension -> {
                    extension.setParameter("server_no_context_takeover");
                    extension.setParameter("client_no_context_takeover");
                }).toList();
    }

    /** Jetty's container for this web app, with our limits set once. */
    private JettyWebSocketServerContainer container(HttpServletRequest request) {
        JettyWebSocketServerContainer container = JettyWebSocketServerContainer.getContainer(request.getServletContext());
        if (!configured) {
            container.setMaxTextMessageSize(maxTextBytes);
            container.setMaxBinaryMessageSize(maxBinaryBytes);
            // No idle timeout: a quiet chat client is not a dead one (clients ping at will); a peer
            // that stops reading is cut off by its outbox instead.
            container.setIdleTimeout(Duration.ZERO);
            configured = true;
        }
        return container;
    }
}
