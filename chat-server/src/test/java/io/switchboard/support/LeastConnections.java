package io.switchboard.support;

import java.util.Comparator;
import java.util.List;
import java.util.function.IntSupplier;

/**
 * The test's stand-in for a least-connections load balancer (HAProxy {@code balance leastconn}
 * with readiness checks): a new connection goes to the running, ready node with the fewest open
 * connections.
 */
public final class LeastConnections implements IntSupplier {

    private final List<Node> nodes;

    public LeastConnections(List<Node> nodes) {
        this.nodes = nodes;
    }

    @Override
    public synchronized int getAsInt() {
        return nodes.stream().filter(Node::isRunning).filter(Node::isReady)
                .min(Comparator.comparingInt(Node::connections))
                .orElseThrow(() -> new IllegalStateException("no ready node"))
                .port();
    }
}
