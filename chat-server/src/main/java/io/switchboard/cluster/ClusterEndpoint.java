package io.switchboard.cluster;

import java.util.List;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;

/** {@code GET /actuator/cluster} (management port): every live node with its state and connections. */
@Endpoint(id = "cluster")
public class ClusterEndpoint {

    private final NodeRegistry registry;

    ClusterEndpoint(NodeRegistry registry) {
        this.registry = registry;
    }

    @ReadOperation
    public ClusterView cluster() {
        return new ClusterView(registry.self(), registry.nodes());
    }

    /**
     * @param self  the id of the node that answered
     * @param nodes every live node, ordered by id
     */
    public record ClusterView(String self, List<NodeView> nodes) {}
}
