package io.switchboard.rebalance;

import java.time.Instant;
import java.util.Map;

/**
 * The last (or running) rebalance of the cluster.
 *
 * @param id          its id
 * @param state       {@code running}, {@code balanced} (every ready node within the tolerance),
 *                    {@code stopped} (a node started draining), {@code timed-out}
 *                    ({@code switchboard.rebalance.timeout} passed), {@code abandoned} (the node
 *                    running it went away), {@code none} (no rebalance yet), or {@code unknown}
 *                    (Redis cannot be reached: nothing started, and whether one runs is not known)
 * @param reason      why it started, or why it ended
 * @param startedBy   the node that runs it
 * @param startedAt   when it started
 * @param endedAt     when it ended, or {@code null} while it runs
 * @param rounds      how many times over-loaded nodes were told to shed
 * @param before      connections per ready node when it started
 * @param after       connections per ready node when it ended
 * @param shed        connections each node moved away during it
 */
public record RebalanceStatus(String id, String state, String reason, String startedBy, Instant startedAt,
                              Instant endedAt, int rounds, Map<String, Integer> before, Map<String, Integer> after,
                              Map<String, Long> shed) {

    static RebalanceStatus none(String reason) {
        return new RebalanceStatus(null, "none", reason, null, null, null, 0, Map.of(), Map.of(), Map.of());
    }

    static RebalanceStatus unknown(String reason) {
        return new RebalanceStatus(null, "unknown", reason, null, null, null, 0, Map.of(), Map.of(), Map.of());
    }

    boolean running() {
        return "running".equals(state);
    }
}
