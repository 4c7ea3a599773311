package io.switchboard.rebalance;

/**
 * Evens out connections after a scale-out. A rebalance runs on one node at a time for the whole
 * cluster: it reads every ready node's connection count from the registry, and each node above the
 * mean by more than the tolerance is told, on the control channel, to shed its excess over the mean
 * the drain way (a {@code reconnect} frame, then 1012, paced and jittered), so a least-connections
 * load balancer places those clients on the emptier nodes; if none is but a node is that far below
 * the mean, the nodes above it shed their excess. It repeats until every ready node is within the
 * tolerance or {@code switchboard.rebalance.timeout} is up, and never runs while a node drains.
 */
public interface Rebalancer {

    /** Starts a rebalance, or answers the one already running (on any node). */
    RebalanceStatus start(String reason);

    /** The running rebalance, or the last one. */
    RebalanceStatus status();
}
