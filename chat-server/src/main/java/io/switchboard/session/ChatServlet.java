package io.switchboard.session;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
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
import io.switchboard.limits.ConnectionLimits;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.availability.ApplicationAvailability;
import org.springframework.boot.availability.ReadinessState;
import org.springframework.http.server.ServletServerHttpRequest;
import org.springframework.web.cors.CorsConfiguration;
import org.springframework.web.util.WebUtils;

/**
 * The {@code /ws} handshake, upgraded straight to Jetty's WebSocket core ({@link ChatEndpoint}).
 *
 * <ul>
 *   <li>While the node's readiness is not {@code ACCEPTING_TRAFFIC} (draining, starting, stopping,
 *       without Redis) a handshake gets {@code 503} with {@code Retry-After}, so a load balancer
 *       retries it on another node and a client backs off instead of landing on a node about to
 *       move it; so does one that reaches a node above its share while connections move
 *       ({@link Placement}).</li>
 *   <li>A cross-origin handshake whose {@code Origin} matches no {@code switchboard.allowed-origins}
 *       pattern gets {@code 403}; same-origin handshakes are always allowed.</li>
 *   <li>Extensions: permessage-deflate is declined unless {@code switchboard.permessage-deflate} is
 *       on. Then both directions run without context takeover, so a room's frame is compressed
 *       once per node and the same bytes go to every member ({@link SharedDeflate}), and no
 *       connection keeps zlib state between messages.</li>
 *   <li>A client address ({@link ClientAddress}: the peer, or what a trusted proxy says) over
 *       {@code switchboard.limits.handshakes-per-second-per-ip} gets {@code 429} with {@code
 *       Retry-After}; one holding {@code max-connections-per-ip} connections across the cluster gets
 *       {@code 429}. That count is made in Redis without holding the request's thread.</li>
 *   <li>Anything that is not a WebSocket handshake gets {@code 400}.</li>
 * </ul>
 * Each refusal is counted in {@code switchboard.handshakes.refused{status, reason}} ({@link Refusal}).
 */
final class ChatServlet extends HttpServlet {

    /** Where the servlet is mapped, and the {@code uri} tag of its requests in {@code http.server.requests}. */
    static final String PATH = "/ws";
    private static final int SC_TOO_MANY_REQUESTS = 429;

    private static final Logger log = LoggerFactory.getLogger(ChatServlet.class);
    /** How long a handshake waits for the cluster-wide count of its address before it goes on uncounted. */
    private static final long COUNT_WAIT_SECONDS = 2;
    /** The request attribute that carries a handshake's count back to it. */
    private static final String COUNTED = ChatServlet.class.getName() + ".counted";

    private final transient ChatHandler handler;
    private final transient KeyedRates handshakeRates;
    private final transient ConnectionLimits connectionLimits;
    private final transient ClientAddress clientAddress;
    private final transient Placement placement;
    private final int maxConnectionsPerIp;
    private final transient ApplicationAvailability availability;
    private final String retryAfterSeconds;
    private final transient CorsConfiguration origins = new CorsConfiguration();
    private final boolean deflate;
    private final transient Configuration.ConfigurationCustomizer limits = new Configuration.ConfigurationCustomizer();
    /** HTTP/1.1 upgrades, to connections that write finished frames themselves; Jetty's for anything else (HTTP/2). */
    private final transient Handshaker directWrites = new DirectWrites();
    private final transient Handshaker handshaker = Handshaker.newInstance();
    /** {@code switchboard.handshakes.refused}, one counter per refusal, registered up front so each shows from 0. */
    private final transient Map<Refusal, Counter> refused = new EnumMap<>(Refusal.class);
    private final transient HandshakeTimes times;
    private transient WebSocketComponents components;
    /** Compresses a frame for every connection with permessage-deflate, once; null while it is off. */
    private transient UnaryOperator<ByteBuffer> compressor;

    ChatServlet(ChatHandler handler, ApplicationAvailability availability, Duration retryAfter,
                List<String> allowedOrigins, boolean deflate, long maxTextBytes, long maxBinaryBytes,
                KeyedRates handshakeRates, ConnectionLimits connectionLimits, int maxConnectionsPerIp,
                ClientAddress clientAddress, Placement placement, MeterRegistry meters) {
        this.handler = handler;
        this.clientAddress = clientAddress;
        this.placement = placement;
        this.handshakeRates = handshakeRates;
        this.connectionLimits = connectionLimits;
        this.maxConnectionsPerIp = maxConnectionsPerIp;
        this.availability = availability;
        this.retryAfterSeconds = Long.toString(Math.max(1, retryAfter.toSeconds()));
        this.origins.setAllowedOriginPatterns(allowedOrigins);
        this.deflate = deflate;
        limits.setMaxTextMessageSize(maxTextBytes);
        limits.setMaxBinaryMessageSize(maxBinaryBytes);
        // No idle timeout: a quiet chat client is not a dead one. The heartbeat pings quiet
        // connections and closes those that do not answer; a peer that stops reading is cut off by
        // its outbox.
        limits.setIdleTimeout(Duration.ZERO);
        this.times = new HandshakeTimes(meters);
        for (Refusal refusal : Refusal.values()) {
            refused.put(refusal, Counter.builder("switchboard.handshakes.refused")
                    .tag("status", Integer.toString(refusal.status)).tag("reason", refusal.reason)
                    .description("WebSocket handshakes answered without an upgrade").register(meters));
        }
    }

    /**
     * Why a handshake is refused: its HTTP status, the {@code reason} it is counted under, and what
     * the answer says.
     */
    enum Refusal {
        NOT_READY(HttpServletResponse.SC_SERVICE_UNAVAILABLE, "not_ready", "this node is not accepting connections"),
        ABOVE_SHARE(HttpServletResponse.SC_SERVICE_UNAVAILABLE, "above_share",
                "this node holds more than its share while connections move; another node takes you"),
        ORIGIN(HttpServletResponse.SC_FORBIDDEN, "origin", "origin not allowed"),
        HANDSHAKE_RATE(SC_TOO_MANY_REQUESTS, "handshake_rate", "too many handshakes from your address"),
        CONNECTIONS_PER_IP(SC_TOO_MANY_REQUESTS, "connections_per_ip", "too many connections from your address"),
        NOT_WEBSOCKET(HttpServletResponse.SC_BAD_REQUEST, "not_websocket", "a WebSocket handshake is expected here");

        private final int status;
        private final String reason;
        private final String message;

        Refusal(int status, String reason, String message) {
            this.status = status;
            this.reason = reason;
            this.message = message;
        }
    }

    /** Times every answer in {@code http.server.requests}: an upgrade ({@code 101}) and each refusal. */
    @Override
    protected void service(HttpServletRequest request, HttpServletResponse response)
            throws ServletException, IOException {
        long started = times.started(request);
        Throwable error = null;
        try {
            super.service(request, response);
        } catch (ServletException | IOException | RuntimeException e) {
            error = e;
            throw e;
        } finally {
            times.finished(request, response, started, error);
        }
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
        if (request.getAttribute(COUNTED) instanceof Counted counted) { // back from counting the address
            if (!counted.taken()) {
                refuse(response, Refusal.CONNECTIONS_PER_IP);
                return;
            }
            upgradeCounted(request, response, counted);
            return;
        }
        if (availability.getReadinessState() != ReadinessState.ACCEPTING_TRAFFIC) {
            response.setHeader("Retry-After", retryAfterSeconds);
            refuse(response, Refusal.NOT_READY);
            return;
        }
        if (placement.refuseNewConnection()) {
            response.setHeader("Retry-After", "1");
            refuse(response, Refusal.ABOVE_SHARE);
            return;
        }
        if (!originAllowed(request)) {
            refuse(response, Refusal.ORIGIN);
            return;
        }
        String address = clientAddress.of(request);
        long wait = handshakeRates.waitFor(address);
        if (wait > 0) {
            response.setHeader("Retry-After", Long.toString(Math.max(1, (wait + 999) / 1000)));
            refuse(response, Refusal.HANDSHAKE_RATE);
            return;
        }
        String id = UUID.randomUUID().toString();
        if (maxConnectionsPerIp <= 0) {
            if (!upgrade(request, response, id, address, null)) {
                refuse(response, Refusal.NOT_WEBSOCKET);
            }
            return;
        }
        countThenUpgrade(request, id, address, "ip:" + address);
    }

    /**
     * Counts the connection under its address across the cluster without holding the request's
     * thread: the request goes async, and is dispatched again with the verdict. A count that cannot
     * be made in {@link #COUNT_WAIT_SECONDS} (Redis away) lets the connection in uncounted: nothing
     * works without Redis anyway, and refusing everyone would not protect anything; should that
     * count still be made later, it is released (the release follows it on the same connection).
     */
    private void countThenUpgrade(HttpServletRequest request, String id, String address, String key) {
        AsyncContext async = request.startAsync();
        async.setTimeout(0);
        CompletableFuture<Boolean> count = connectionLimits.acquire(key, id, maxConnectionsPerIp);
        count.copy().orTimeout(COUNT_WAIT_SECONDS, TimeUnit.SECONDS).whenComplete((taken, error) -> {
            boolean counted = error == null && taken;
            if (error != null) {
                log.debug("Could not count a connection of {}: {}", key, error.toString());
                connectionLimits.release(key, id); // the count may still be made once Redis answers: released after it
            }
            request.setAttribute(COUNTED, new Counted(id, address, counted ? key : null, error != null || taken));
            async.dispatch();
        });
    }

    private void upgradeCounted(HttpServletRequest request, HttpServletResponse response, Counted counted)
            throws IOException {
        boolean upgraded = false;
        try {
            upgraded = upgrade(request, response, counted.id(), counted.address(), counted.key());
        } finally {
            if (!upgraded && counted.key() != null) {
                connectionLimits.release(counted.key(), counted.id());
            }
        }
        if (!upgraded) {
            refuse(response, Refusal.NOT_WEBSOCKET);
        }
    }

    private void refuse(HttpServletResponse response, Refusal refusal) throws IOException {
        refused.get(refusal).increment();
        response.sendError(refusal.status, refusal.message);
    }

    /** What counting a handshake's address found: {@code key} is what it is counted under, null if uncounted. */
    private record Counted(String id, String address, String key, boolean taken) {}

    private boolean upgrade(HttpServletRequest request, HttpServletResponse response, String id, String address,
                            String counted) throws IOException {
        Request coreRequest = ServletCoreRequest.wrap(request);
        Response coreResponse = ServletCoreResponse.wrap(coreRequest, response, false);
        WebSocketNegotiator negotiator = WebSocketNegotiator.from((upgradeRequest, upgradeResponse, callback) -> {
            upgradeResponse.setExtensions(accepted(upgradeResponse));
            return new ChatEndpoint(handler, compressor, id, address, counted);
        }, (endpoint, upgradeRequest, upgradeResponse) -> (ChatEndpoint) endpoint, limits);
        try (Blocker.Callback callback = Blocker.callback()) {
            if (directWrites.upgradeRequest(negotiator, coreRequest, coreResponse, callback, components, limits)
                    || !coreResponse.isCommitted()
                    && handshaker.upgradeRequest(negotiator, coreRequest, coreResponse, callback, components, limits)) {
                callback.block();
                return true;
            }
        }
        return false;
    }

    private boolean originAllowed(HttpServletRequest request) {
        String origin = request.getHeader("Origin");
        return origin == null || sameHost(origin, request.getHeader("Host"))
                || WebUtils.isSameOrigin(new ServletServerHttpRequest(request)) || origins.checkOrigin(origin) != null;
    }

    /**
     * Whether the page came from the host (and port) the request is addressed to, whatever the
     * scheme: a proxy that ends TLS and keeps the {@code Host} header needs nothing more, and no
     * other site's page can make a browser send this host as its origin.
     */
    private static boolean sameHost(String origin, String host) {
        if (host == null) {
            return false;
        }
        try {
            String authority = URI.create(origin).getRawAuthority();
            return authority != null && authority.equalsIgnoreCase(host);
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private List<ExtensionConfig> accepted(ServerUpgradeResponse response) {
        if (!deflate) {
            return List.of();
        }
        return response.getExtensions().stream().filter(extension -> SharedDeflate.NAME.equals(extension.getName()))
                .limit(1).map(extension -> new ExtensionConfig(SharedDeflate.NEGOTIATED)).toList();
    }
}
