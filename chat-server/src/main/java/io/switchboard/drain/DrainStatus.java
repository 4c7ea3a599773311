package io.switchboard.drain;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Duration;
import java.time.Instant;

/**
 * A node's drain, as {@code GET /actuator/drain} shows it. An idle node shows only {@code node} and
 * {@code state}: every other field describes a drain, and is left out (null) while there is none.
 * The node's open connections, drain or not, are in {@code /actuator/health/drain} ({@code
 * sessions}) and {@code /actuator/cluster}.
 *
 * @param node         the node
 * @param state        {@code idle}, {@code draining} or {@code drained}
 * @param reason       {@code drain} (requested) or {@code shutdown} (SIGTERM)
 * @param sessionsLeft connections still open on the node: those not told to move yet, and those told
 *                     whose queued frames are still being written; 0 once {@code drained}
 * @param moved        connections this drain told to reconnect elsewhere so far (0 until the
 *                     health-check wait is over)
 * @param startedAt    when the drain started
 * @param expectedEnd  when the pace lets the last session go
 * @param window       the time the sessions are spread over, when it sets the pace
 * @param rate         sessions moved per second, when it sets the pace instead of a window
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record DrainStatus(String node, String state, String reason, Integer sessionsLeft, Integer moved,
                          Instant startedAt, Instant expectedEnd, Duration window, Double rate) {

    static DrainStatus idle(String node) {
        return new DrainStatus(node, "idle", null, null, null, null, null, null, null);
    }
}
