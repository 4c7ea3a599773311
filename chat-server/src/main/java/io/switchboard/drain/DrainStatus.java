package io.switchboard.drain;

import java.time.Duration;
import java.time.Instant;

/**
 * A node's drain, as {@code GET /actuator/drain} shows it.
 *
 * @param node         the node
 * @param state        {@code idle}, {@code draining} or {@code drained}
 * @param reason       {@code drain} (requested) or {@code shutdown} (SIGTERM); {@code null} when idle
 * @param sessionsLeft connections still open on the node
 * @param moved        connections told to reconnect elsewhere so far
 * @param startedAt    when the drain started; {@code null} when idle
 * @param expectedEnd  when the pace lets the last session go; {@code null} when idle
 * @param window       the window the sessions are spread over
 * @param rate         sessions moved per second, when given instead of the window
 */
public record DrainStatus(String node, String state, String reason, int sessionsLeft, int moved, Instant startedAt,
                          Instant expectedEnd, Duration window, Double rate) {}
