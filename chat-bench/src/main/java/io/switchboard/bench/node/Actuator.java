package io.switchboard.bench.node;

import io.switchboard.bench.client.Json;
import io.switchboard.bench.fanout.RunBroken;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.MissingNode;

/**
 * chat-bench's HTTP client for one node's management port (the actuator endpoints of
 * docs/operations.md): GET, JSON POST and DELETE, each answer's body parsed as JSON, and a
 * Micrometer meter's value. {@code drain} drains and restores nodes and samples the cluster view
 * through it; {@code capacity} and {@code soak} read the node's pid, heap and gauges. A node that
 * cannot be reached, or a reading that must answer 200 and does not, is a {@link RunBroken}: the
 * command ends with exit code 2 rather than report a number it did not measure, unless the caller
 * has another node to ask (the cluster-view sampler does).
 *
 * <p>Separate from chat-server's test support {@code io.switchboard.support.Actuator} on purpose,
 * although both call the same endpoints. chat-bench is a CLI packaged on its own, and chat-server's
 * test classes are in no runtime artifact (chat-bench takes that test-jar in test scope only); the
 * other way round, chat-server's tests cannot use this class, since chat-bench's tests depend on
 * chat-server's test-jar and Maven would see a cycle. They also want different things: the tests
 * call {@code 127.0.0.1:<port>}, answer maps, fail with exceptions that their waits retry, and open
 * WebSocket handshakes; the bench takes the address an operator gives, reads metrics, and turns a
 * failure into the run's exit code. A module of its own for the few dozen lines they have in common
 * would cost more than it saves.
 */
public final class Actuator {

    /** For connecting, and for each request from sending it to the whole answer. */
    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(TIMEOUT).build();

    /** An answer: its status and its body as JSON (missing when it is not JSON). */
    public record Answer(int status, JsonNode json) {}

    private final URI base;

    /** @param base the management address, e.g. http://127.0.0.1:18181 */
    public Actuator(URI base) {
        this.base = base;
    }

    public URI base() {
        return base;
    }

    public Answer get(String path) {
        return send(HttpRequest.newBuilder(base.resolve(path)).GET());
    }

    /** A POST with {@code Content-Type: application/json}, as the drain endpoint requires. */
    public Answer post(String path, String json) {
        return send(HttpRequest.newBuilder(base.resolve(path)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json)));
    }

    public Answer delete(String path) {
        return send(HttpRequest.newBuilder(base.resolve(path)).DELETE());
    }

    /** A GET that must answer 200. */
    public JsonNode read(String path) {
        Answer answer = get(path);
        if (answer.status() != 200) {
            throw new RunBroken("GET " + base.resolve(path) + " answered " + answer.status());
        }
        return answer.json();
    }

    /**
     * The first measurement of a Micrometer meter: {@code metric("jvm.memory.used?tag=area:heap")}
     * reads {@code /actuator/metrics/jvm.memory.used?tag=area:heap}.
     */
    public double metric(String nameAndTags) {
        JsonNode measurements = read("/actuator/metrics/" + nameAndTags).path("measurements");
        if (measurements.isEmpty()) {
            throw new RunBroken(base.resolve("/actuator/metrics/" + nameAndTags) + " has no measurement");
        }
        return measurements.path(0).path("value").asDouble();
    }

    private Answer send(HttpRequest.Builder request) {
        HttpRequest built = request.timeout(TIMEOUT).build();
        try {
            HttpResponse<String> response = HTTP.send(built, HttpResponse.BodyHandlers.ofString());
            String body = response.body();
            JsonNode json = body == null || body.isBlank() ? MissingNode.getInstance() : parse(body);
            return new Answer(response.statusCode(), json);
        } catch (IOException e) {
            throw new RunBroken(built.method() + " " + built.uri() + " failed: " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RunBroken("interrupted");
        }
    }

    private static JsonNode parse(String body) {
        try {
            return Json.MAPPER.readTree(body);
        } catch (RuntimeException notJson) {
            return MissingNode.getInstance();
        }
    }
}
