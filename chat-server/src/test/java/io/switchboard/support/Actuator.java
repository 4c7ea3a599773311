package io.switchboard.support;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import tools.jackson.databind.json.JsonMapper;

/** Calls a node's HTTP endpoints (actuator on the management port, or anything on the chat port). */
public final class Actuator {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private Actuator() {
    }

    /** An HTTP answer: status, headers of interest and the body parsed as a JSON object (empty if it is not one). */
    public record Answer(int status, HttpResponse<String> raw) {

        @SuppressWarnings("unchecked")
        public Map<String, Object> json() {
            String body = raw.body();
            return body == null || body.isBlank() || !body.strip().startsWith("{") ? Map.of()
                    : JSON.readValue(body, Map.class);
        }

        public String body() {
            return raw.body();
        }
    }

    public static Answer get(int port, String path) {
        return send(HttpRequest.newBuilder(uri(port, path)).GET());
    }

    /** A JSON POST, as docs/operations.md shows it with curl; {@code body} null sends none. */
    public static Answer post(int port, String path, Map<String, ?> body) {
        return send(HttpRequest.newBuilder(uri(port, path)).header("Content-Type", "application/json")
                .POST(body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body))));
    }

    /** A POST with an {@code Authorization} header (null: none), for the management port's credentials. */
    public static Answer postAs(int port, String path, String authorization) {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri(port, path)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.noBody());
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        return send(request);
    }

    public static Answer delete(int port, String path) {
        return send(HttpRequest.newBuilder(uri(port, path)).DELETE());
    }

    /**
     * Opens a real WebSocket to {@code /ws} and closes it again: answers the handshake's HTTP status
     * (101 when it was accepted) and its {@code Retry-After} header, if any.
     */
    public static Handshake handshake(int port) {
        try {
            WebSocket socket = HTTP.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(5))
                    .buildAsync(URI.create("ws://127.0.0.1:" + port + "/ws"), new WebSocket.Listener() {})
                    .get(20, TimeUnit.SECONDS);
            socket.abort();
            return new Handshake(101, null);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof WebSocketHandshakeException refused) {
                HttpResponse<?> response = refused.getResponse();
                return new Handshake(response.statusCode(), response.headers().firstValue("Retry-After").orElse(null));
            }
            throw new IllegalStateException("handshake on port " + port + " failed: " + e.getCause(), e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException("handshake on port " + port + " timed out", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** @param status the handshake's HTTP status; @param retryAfter its Retry-After header or null */
    public record Handshake(int status, String retryAfter) {}

    private static URI uri(int port, String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }

    private static Answer send(HttpRequest.Builder request) {
        try {
            HttpResponse<String> response = HTTP.send(request.timeout(Duration.ofSeconds(20)).build(),
                    HttpResponse.BodyHandlers.ofString());
            return new Answer(response.statusCode(), response);
        } catch (IOException e) {
            throw new IllegalStateException("HTTP to port " + port(request) + " failed: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static int port(HttpRequest.Builder request) {
        return request.build().uri().getPort();
    }
}
