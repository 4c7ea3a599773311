package io.switchboard.support;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import tools.jackson.databind.json.JsonMapper;

/**
 * A webhook receiver on the JDK's HttpServer that checks each request as docs/webhooks.md tells a
 * receiver to (the signature over the timestamp and the body, the timestamp within five minutes),
 * answers 401 to a bad one, and records every request. It can refuse every other request, refuse
 * all, or be down (not listening) for a while.
 */
public final class WebhookReceiver implements AutoCloseable {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final long TOLERANCE_SECONDS = 300;

    /** One request as it came; {@code status} is what the receiver answered. */
    public record Request(String eventId, String type, Map<String, Object> event, int status, boolean signed) {}

    public enum Mode { ACCEPT, FAIL_EVERY_OTHER, FAIL_ALL }

    private final String secret;
    private final int port;
    private final List<Request> requests = new ArrayList<>();
    private final AtomicInteger seen = new AtomicInteger();
    private volatile Mode mode = Mode.ACCEPT;
    private HttpServer server;

    public WebhookReceiver(String secret) {
        this.secret = secret;
        this.port = RedisServer.freePort();
        start();
    }

    public String url() {
        return "http://127.0.0.1:" + port + "/hooks/switchboard";
    }

    public void mode(Mode mode) {
        this.mode = mode;
    }

    /** Stops listening: requests fail to connect until {@link #start}. */
    public synchronized void stop() {
        server.stop(0);
    }

    public synchronized void start() {
        try {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 64);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/hooks/switchboard", this::handle);
        server.start();
    }

    private void handle(HttpExchange exchange) throws IOException {
        String body;
        try (InputStream in = exchange.getRequestBody()) {
            body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        boolean signed = verifies(exchange.getRequestHeaders().getFirst("Switchboard-Signature"), body);
        int status;
        if (!signed) {
            status = 401;
        } else if (mode == Mode.FAIL_ALL || (mode == Mode.FAIL_EVERY_OTHER && seen.incrementAndGet() % 2 == 1)) {
            status = 500;
        } else {
            status = 204;
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> event = JSON.readValue(body, Map.class);
        synchronized (requests) {
            requests.add(new Request(exchange.getRequestHeaders().getFirst("Switchboard-Event-Id"),
                    exchange.getRequestHeaders().getFirst("Switchboard-Event-Type"), event, status, signed));
        }
        exchange.sendResponseHeaders(status, -1);
        exchange.close();
    }

    /** As docs/webhooks.md says: HMAC-SHA256 of "<t>.<body>", compared in constant time; t no older than 5 minutes. */
    private boolean verifies(String header, String body) {
        if (header == null) {
            return false;
        }
        String t = null;
        String v1 = null;
        for (String part : header.split(",")) {
            if (part.startsWith("t=")) {
                t = part.substring(2);
            } else if (part.startsWith("v1=")) {
                v1 = part.substring(3);
            }
        }
        if (t == null || v1 == null || Math.abs(System.currentTimeMillis() / 1000 - Long.parseLong(t)) > TOLERANCE_SECONDS) {
            return false;
        }
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            byte[] expected = mac.doFinal((t + "." + body).getBytes(StandardCharsets.UTF_8));
            return MessageDigest.isEqual(expected, HexFormat.of().parseHex(v1));
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            return false;
        }
    }

    /** Every request so far, in the order they came. */
    public List<Request> requests() {
        synchronized (requests) {
            return List.copyOf(requests);
        }
    }

    /** The events taken (answered 2xx), in the order they came, each as often as it came. */
    public List<Map<String, Object>> taken() {
        return requests().stream().filter(request -> request.status() / 100 == 2).map(Request::event).toList();
    }

    @Override
    public synchronized void close() {
        server.stop(0);
    }
}
