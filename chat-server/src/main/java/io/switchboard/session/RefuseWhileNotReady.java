package io.switchboard.session;

import java.time.Duration;
import java.util.Map;
import org.springframework.boot.availability.ApplicationAvailability;
import org.springframework.boot.availability.ReadinessState;
import org.springframework.http.HttpStatus;
import org.springframework.http.server.ServerHttpRequest;
import org.springframework.http.server.ServerHttpResponse;
import org.springframework.web.socket.WebSocketHandler;
import org.springframework.web.socket.server.HandshakeInterceptor;

/**
 * Refuses WebSocket handshakes with {@code 503} and {@code Retry-After} while the node's readiness
 * is {@code REFUSING_TRAFFIC} (draining, starting or stopping), so a load balancer retries them on
 * another node and a client backs off instead of landing on a node that is about to move it.
 */
final class RefuseWhileNotReady implements HandshakeInterceptor {

    private final ApplicationAvailability availability;
    private final String retryAfterSeconds;

    RefuseWhileNotReady(ApplicationAvailability availability, Duration retryAfter) {
        this.availability = availability;
        this.retryAfterSeconds = Long.toString(Math.max(1, retryAfter.toSeconds()));
    }

    @Override
    public boolean beforeHandshake(ServerHttpRequest request, ServerHttpResponse response, WebSocketHandler handler,
                                   Map<String, Object> attributes) {
        if (availability.getReadinessState() == ReadinessState.ACCEPTING_TRAFFIC) {
            return true;
        }
        response.setStatusCode(HttpStatus.SERVICE_UNAVAILABLE);
        response.getHeaders().set("Retry-After", retryAfterSeconds);
        return false;
    }

    @Override
    public void afterHandshake(ServerHttpRequest request, ServerHttpResponse response, WebSocketHandler handler,
                               Exception exception) {
    }
}
