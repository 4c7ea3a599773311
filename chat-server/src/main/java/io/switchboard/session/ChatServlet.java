package io.switchboard.session;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.function.UnaryOperator;
import org.eclipse.jetty.ee11.servlet.ServletContextHandler;
import org.eclipse.jetty.ee11.servlet.ServletCoreRequest;
import org.eclipse.jetty.ee11.servlet.ServletCoreResponse;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Blocker;
import org.eclipse.jetty.websocket.core.Configuration;
import org.eclipse.jetty.websocket.core.ExtensionConfig;
import org.eclipse.jetty.websocket.core.WebSocketComponents;
import org.eclipse.jetty.websocket.core.server.Handshaker;
import org.eclipse.jetty.websocket.core.server.ServerUpgradeResponse;
import org.eclipse.jetty.websocket.core.server.WebSocketNegotiator;
import org.eclipse.jetty.websocket.core.server.WebSocketServerComponents;
import org.springframework.boot.availability.ApplicationAvailability;
import org.springframework.boot.availability.ReadinessState;
import org.springframework.http.server.ServletServerHttpRequest;
import org.springframework.web.cors.CorsConfiguration;
import org.springframework.web.util.WebUtils;

/**
 * The {@code /ws} handshake, upgraded straight to Jetty's WebSocket core ({@link ChatEndpoint}).
 *
 * <ul>
 *   <li>While the node's readiness is not {@code ACCEPTING_TRAFFIC} (draining, starting, stopping)
 *       a handshake gets {@code 503} with {@code Retry-After}, so a load balancer retries it on
 *       another node and a client backs off instead of landing on a node about to move it.</li>
 *   <li>A cross-origin handshake whose {@code Origin} matches no {@code switchboard.allowed-origins}
 *       pattern gets {@code 403}; same-origin handshakes are always allowed.</li>
 *   <li>Extensions: permessage-deflate is declined unless {@code switchboard.permessage-deflate} is
 *       on. Then both directions run without context takeover, so a room's frame is compressed
 *       once per node and the same bytes go to every member ({@link SharedDeflate}), and no
 *       connection keeps zlib state between messages.</li>
 *   <li>Anything that is not a WebSocket handshake gets {@code 400}.</li>
 * </ul>
 */
final class ChatServlet extends HttpServlet {

    private final transient ChatHandler handler;
    private final transient ApplicationAvailability availability;
    private final String retryAfterSeconds;
    private final transient CorsConfiguration origins = new CorsConfiguration();
    private final boolean deflate;
    private final transient Configuration.ConfigurationCustomizer limits = new Configuration.ConfigurationCustomizer();
    private final transient Handshaker handshaker = Handshaker.newInstance();
    private transient WebSocketComponents components;
    /** Compresses a frame for every connection with permessage-deflate, once; null while it is off. */
    private transient UnaryOperator<ByteBuffer> compressor;

    ChatServlet(ChatHandler handler, ApplicationAvailability availability, Duration retryAfter,
                List<String> allowedOrigins, boolean deflate, long maxTextBytes, long maxBinaryBytes) {
        this.handler = handler;
        this.availability = availability;
        this.retryAfterSeconds = Long.toString(Math.max(1, retryAfter.toSeconds()));
        this.origins.setAllowedOriginPatterns(allowedOrigins);
        this.deflate = deflate;
        limits.setMaxTextMessageSize(maxTextBytes);
        limits.setMaxBinaryMessageSize(maxBinaryBytes);
        // No idle timeout: a quiet chat client is not a dead one (clients ping at will); a peer that
        // stops reading is cut off by its outbox instead.
        limits.setIdleTimeout(Duration.ZERO);
    }

    @Override
    public void init() {
        ServletContextHandler context = ServletContextHandler.getServletContextHandler(getServletContext());
        components = WebSocketServerComponents.ensureWebSocketComponents(context.getServer(), context);
        if (deflate) {
            // this node's /ws is the server's only WebSocket endpoint: replacing Jetty's extension is safe
            components.getExtensionRegistry().register(SharedDeflate.NAME, SharedDeflate.class);
            compressor = SharedDeflate.compressor(components.getDeflaterPool());
        }
    }

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
        if (availability.getReadinessState() != ReadinessState.ACCEPTING_TRAFFIC) {
            response.setHeader("Retry-After", retryAfterSeconds);
            response.sendError(HttpServletResponse.SC_SERVICE_UNAVAILABLE, "this node is not accepting connections");
            return;
        }
        if (!originAllowed(request)) {
            response.sendError(HttpServletResponse.SC_FORBIDDEN, "origin not allowed");
            return;
        }
        Request coreRequest = ServletCoreRequest.wrap(request);
        Response coreResponse = ServletCoreResponse.wrap(coreRequest, response, false);
        WebSocketNegotiator negotiator = WebSocketNegotiator.from((upgradeRequest, upgradeResponse, callback) -> {
            upgradeResponse.setExtensions(accepted(upgradeResponse));
            return new ChatEndpoint(handler, compressor);
        }, (endpoint, upgradeRequest, upgradeResponse) -> (ChatEndpoint) endpoint, limits);
        try (Blocker.Callback callback = Blocker.callback()) {
            if (handshaker.upgradeRequest(negotiator, coreRequest, coreResponse, callback, components, limits)) {
                callback.block();
                return;
            }
        }
        response.sendError(HttpServletResponse.SC_BAD_REQUEST, "a WebSocket handshake is expected here");
    }

    private boolean originAllowed(HttpServletRequest request) {
        String origin = request.getHeader("Origin");
        return origin == null || WebUtils.isSameOrigin(new ServletServerHttpRequest(request))
                || origins.checkOrigin(origin) != null;
    }

    private List<ExtensionConfig> accepted(ServerUpgradeResponse response) {
        if (!deflate) {
            return List.of();
        }
        return response.getExtensions().stream().filter(extension -> SharedDeflate.NAME.equals(extension.getName()))
                .limit(1).map(extension -> new ExtensionConfig(SharedDeflate.NEGOTIATED)).toList();
    }
}
