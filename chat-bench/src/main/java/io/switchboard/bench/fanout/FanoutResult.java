package io.switchboard.bench.fanout;

import io.switchboard.bench.cpu.CpuUse;
import io.switchboard.bench.cpu.FloorResult;
import io.switchboard.bench.report.Percentiles;
import java.util.List;
import java.util.Map;

/**
 * What one fan-out run measured; only messages due after the warm-up count.
 *
 * @param system {@code switchboard} or {@code socketio}
 * @param urls the endpoints members connected to
 * @param rooms rooms
 * @param membersPerRoom connections per room, publishers included
 * @param publishers publishing members
 * @param messageRate messages per second asked for (all publishers)
 * @param deliveryRate deliveries per second asked for (messageRate x membersPerRoom)
 * @param size message text length
 * @param deflateOffered whether clients offered permessage-deflate
 * @param deflateNegotiated connections on which the server accepted it
 * @param warmupSeconds load before measuring
 * @param seconds measured publishing time
 * @param sent messages sent
 * @param acked of those, acknowledged by the server
 * @param expected deliveries expected: each sent message x the members of its room, sender included
 * @param received first receipts of those
 * @param lost expected - received after the drain wait
 * @param duplicated receipts of a message a member already had
 * @param outOfOrder first receipts that came after a later message of the same publisher
 * @param deliveriesPerSecond received / seconds
 * @param latencyMs from the scheduled send time to receipt
 * @param firstMs per message, from the scheduled send time to its first member's receipt: the path
 *                before the fan-out (the sender, the server, the broker)
 * @param spreadMs per message, from its first member's receipt to its last: the fan-out
 * @param ackMs from the scheduled send time to the sender's acknowledgement (the server stored it)
 * @param connectMs from opening the connection to joined
 * @param rejoinMs from losing a connection to joined again (moves during a drain)
 * @param errors what went wrong, by kind, with counts
 * @param cpu the server processes' CPU time over the measured phase (publishing and the drain wait),
 *            per delivery received
 * @param floor the floor program's CPU per delivery at the same connections and rate, run after
 *              (null without {@code --floor})
 */
public record FanoutResult(String system, List<String> urls, int rooms, int membersPerRoom, int publishers,
        double messageRate, double deliveryRate, int size, boolean deflateOffered, int deflateNegotiated,
        double warmupSeconds, double seconds, long sent, long acked, long expected, long received, long lost,
        long duplicated, long outOfOrder, double deliveriesPerSecond, Percentiles latencyMs, Percentiles firstMs,
        Percentiles spreadMs, Percentiles ackMs, Percentiles connectMs, Percentiles rejoinMs, Map<String, Long> errors,
        CpuUse cpu, FloorResult floor) {

    /** This result with the floor's figure beside it. */
    public FanoutResult withFloor(FloorResult measured) {
        return new FanoutResult(system, urls, rooms, membersPerRoom, publishers, messageRate, deliveryRate, size,
                deflateOffered, deflateNegotiated, warmupSeconds, seconds, sent, acked, expected, received, lost,
                duplicated, outOfOrder, deliveriesPerSecond, latencyMs, firstMs, spreadMs, ackMs, connectMs, rejoinMs,
                errors, cpu, measured);
    }

    /** Nothing lost, nothing twice, nothing out of order: the system kept its delivery guarantee. */
    public boolean clean() {
        return lost == 0 && duplicated == 0 && outOfOrder == 0;
    }

    /** The human summary printed on stdout. */
    public String summary() {
        StringBuilder out = new StringBuilder();
        out.append(String.format("%s fan-out: %d rooms x %d members (%d connections) on %s%n", system, rooms,
                membersPerRoom, rooms * membersPerRoom, urls));
        out.append(String.format("  load      %,.0f msg/s by %d publishers = %,.0f deliveries/s, %d-char messages, "
                + "deflate %s (accepted on %d connections)%n", messageRate, publishers, deliveryRate, size,
                deflateOffered ? "offered" : "not offered", deflateNegotiated));
        out.append(String.format("  measured  %.1f s after %.1f s warm-up%n", seconds, warmupSeconds));
        out.append(String.format("  messages  sent %,d  acked %,d%n", sent, acked));
        out.append(String.format("  delivered expected %,d  received %,d  lost %,d  duplicated %,d  out of order %,d%n",
                expected, received, lost, duplicated, outOfOrder));
        out.append(String.format("  rate      %,.0f deliveries/s%n", deliveriesPerSecond));
        out.append("  latency   ").append(latencyMs.line()).append('\n');
        if (firstMs.count() > 0) {
            out.append("  first     ").append(firstMs.line()).append("  (each message's first member)\n");
            out.append("  spread    ").append(spreadMs.line()).append("  (its first member to its last)\n");
        }
        if (ackMs.count() > 0) {
            out.append("  ack       ").append(ackMs.line()).append('\n');
        }
        out.append("  connect   ").append(connectMs.line()).append('\n');
        if (rejoinMs.count() > 0) {
            out.append("  rejoin    ").append(rejoinMs.line()).append('\n');
        }
        if (cpu.line() != null) {
            out.append("  cpu       ").append(cpu.line()).append('\n');
        }
        if (floor != null) {
            out.append("  floor     ").append(floor.line()).append('\n');
        }
        out.append("  errors    ").append(errors.isEmpty() ? "none" : errors.toString()).append('\n');
        return out.toString();
    }
}
