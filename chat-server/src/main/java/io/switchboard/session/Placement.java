package io.switchboard.session;

/**
 * Where new connections go while connections move (a drain or a rebalance): a node holding more
 * than its share of the cluster's connections refuses new handshakes (503 with {@code Retry-After}),
 * and a load balancer that retries a 503 on another node (HAProxy's {@code retry-on 503},
 * ingress-nginx's {@code proxy-next-upstream}, Envoy's retry policies) places them on the emptier
 * nodes, whatever its own balancing algorithm.
 */
public interface Placement {

    /** Whether this node should refuse a new connection now; from snapshots, never a wait. */
    boolean refuseNewConnection();
}
