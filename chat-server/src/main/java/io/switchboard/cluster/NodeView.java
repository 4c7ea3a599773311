package io.switchboard.cluster;

import java.time.Instant;

/**
 * One node as the cluster registry knows it.
 *
 * @param id          the node's id ({@code switchboard.node-id})
 * @param state       ready, draining or drained
 * @param version     the version of Switchboard it runs
 * @param address     where operators reach it ({@code switchboard.cluster.address})
 * @param connections its open WebSocket connections at its last heartbeat
 * @param startedAt   when it started
 * @param heartbeatAt its last heartbeat
 * @param management  host and port of its management port (actuator), where other nodes read its
 *                    health; empty when it has none (or runs a release that did not say)
 */
public record NodeView(String id, NodeState state, String version, String address, int connections,
                       Instant startedAt, Instant heartbeatAt, String management) {}
