package io.switchboard.bench.soak;

import java.util.Map;

/**
 * What one churn phase did, as the clients saw it.
 *
 * @param seconds how long new clients kept arriving
 * @param connected clients that joined their room
 * @param disconnected clients that left (closed their connection) after their messages
 * @param failedJoins clients that never joined their room (within the join timeout)
 * @param sent messages sent
 * @param acked of those, acknowledged to their sender
 * @param delivered messages received, by every member (each one's sender included)
 * @param lost sent messages that were not both acknowledged and received back by their sender before it left
 * @param duplicated messages a member received again (by offset)
 * @param reconnects connections lost and joined again (none, unless a node closed them)
 * @param errors what went wrong, by kind, with counts
 */
record ChurnCounts(double seconds, long connected, long disconnected, long failedJoins, long sent, long acked,
        long delivered, long lost, long duplicated, long reconnects, Map<String, Long> errors) {

    /** The human lines printed on stdout. */
    String summary() {
        return String.format("  clients   %,d connected, %,d disconnected, %,d failed to join in %.1f s of arrivals%n",
                connected, disconnected, failedJoins, seconds)
                + String.format("  messages  sent %,d  acked %,d  delivered %,d  lost %,d  duplicated %,d  reconnects %,d%n",
                        sent, acked, delivered, lost, duplicated, reconnects)
                + "  errors    " + (errors.isEmpty() ? "none" : errors.toString()) + '\n';
    }
}
