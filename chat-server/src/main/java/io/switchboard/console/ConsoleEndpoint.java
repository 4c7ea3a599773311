package io.switchboard.console;

import io.switchboard.cluster.NodeRegistry;
import io.switchboard.cluster.NodeView;
import io.switchboard.config.SwitchboardProperties;
import io.switchboard.drain.DrainEndpoint;
import io.switchboard.rebalance.RebalanceStatus;
import io.switchboard.rebalance.Rebalancer;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.actuate.endpoint.annotation.WriteOperation;
import org.springframework.boot.actuate.endpoint.web.WebEndpointResponse;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code /actuator/console}: what the console page ({@code /console}) shows and does. {@code GET}
 * answers the cluster as this node sees it (each node with its latest sample: rooms, drain
 * progress), the samples after {@code since} (every node's, from the shared store, so a reload or
 * another node's page sees the same history), the events and the rebalance. {@code POST} acts:
 * {@code drain} (with a {@code window}) or {@code cancel} a node's drain, through that node's own
 * {@code /actuator/drain} (the node itself, or its management port as the registry lists it, with
 * this node's management credentials), or {@code rebalance} the cluster. Both need the management
 * password when one is set.
 */
@Endpoint(id = "console")
public class ConsoleEndpoint {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final int EVENTS = 200;

    private final NodeRegistry registry;
    private final ConsoleStore store;
    private final DrainEndpoint drain;
    private final Rebalancer rebalancer;
    private final String credentials;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();

    ConsoleEndpoint(NodeRegistry registry, ConsoleStore store, DrainEndpoint drain, Rebalancer rebalancer,
                    SwitchboardProperties properties) {
        this.registry = registry;
        this.store = store;
        this.drain = drain;
        this.rebalancer = rebalancer;
        var management = properties.management();
        this.credentials = management.password().isEmpty() ? null : "Basic " + Base64.getEncoder().encodeToString(
                (management.username() + ":" + management.password()).getBytes(StandardCharsets.UTF_8));
    }

    /**
     * A node as the console lists it: the registry's entry with its latest sample among those answered
     * (null if none came after {@code since}: the page keeps the one it has).
     */
    public record ConsoleNode(NodeView node, JsonNode sample) {}

    public record ConsoleView(String self, long now, List<ConsoleNode> nodes, RebalanceStatus rebalance,
                              Map<String, List<JsonNode>> samples, List<ConsoleEvent> events) {}

    @ReadOperation
    public ConsoleView view(@Nullable Long since) {
        long now = System.currentTimeMillis();
        Map<String, List<String>> stored = store.samples(since == null ? now - ConsoleStore.HISTORY_MILLIS : since);
        Map<String, List<JsonNode>> samples = new java.util.LinkedHashMap<>();
        stored.forEach((node, list) -> samples.put(node, list.stream().map(JSON::readTree).toList()));
        List<ConsoleNode> nodes = new ArrayList<>();
        for (NodeView node : registry.nodes()) {
            List<JsonNode> mine = samples.getOrDefault(node.id(), List.of());
            nodes.add(new ConsoleNode(node, mine.isEmpty() ? null : mine.getLast()));
        }
        return new ConsoleView(registry.self(), now, nodes, rebalancer.status(), samples, store.events(EVENTS));
    }

    @WriteOperation
    public WebEndpointResponse<Object> act(String action, @Nullable String node, @Nullable String window) {
        if ("rebalance".equals(action)) {
            return new WebEndpointResponse<>(rebalancer.start("started from the console"), WebEndpointResponse.STATUS_OK);
        }
        if (!"drain".equals(action) && !"cancel".equals(action)) {
            return refused(400, "action must be drain, cancel or rebalance");
        }
        Optional<NodeView> target = registry.nodes().stream().filter(view -> view.id().equals(node)).findFirst();
        if (target.isEmpty()) {
            return refused(404, "no live node " + node);
        }
        if (target.get().id().equals(registry.self())) {
            return "drain".equals(action) ? drain.start(window, null, null)
                    : new WebEndpointResponse<>(drain.cancel(), WebEndpointResponse.STATUS_OK);
        }
        return forward(target.get(), action, window);
    }

    /** The other node's own drain endpoint, as an operator's curl would call it. */
    private WebEndpointResponse<Object> forward(NodeView target, String action, @Nullable String window) {
        if (target.management() == null || target.management().isEmpty()) {
            return refused(502, "node " + target.id() + " has no management port this node can reach");
        }
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://" + target.management() + "/actuator/drain"))
                .timeout(Duration.ofSeconds(10));
        if (credentials != null) {
            request.header("Authorization", credentials);
        }
        if ("drain".equals(action)) {
            String body = window == null ? "{}" : JSON.writeValueAsString(Map.of("window", window));
            request.header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
        } else {
            request.DELETE();
        }
        try {
            HttpResponse<String> answer = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
            Object body = answer.body().isBlank() ? Map.of() : JSON.readTree(answer.body());
            return new WebEndpointResponse<>(body, answer.statusCode());
        } catch (IOException e) {
            return refused(502, "node " + target.id() + " did not answer: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return refused(503, "interrupted");
        }
    }

    private static WebEndpointResponse<Object> refused(int status, String error) {
        return new WebEndpointResponse<>(Map.of("error", error), status);
    }
}
