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

/** A node's management port (docs/operations.md): GET, JSON POST and DELETE, answers parsed as JSON. */
public final class Actuator {

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
