package io.switchboard.bench.fanout;

import io.switchboard.bench.report.ErrorCounts;
import io.switchboard.bench.report.Percentiles;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;

/**
 * The run's counters, written by the pacer and by every member's I/O thread at once (LongAdder and
 * ConcurrentHistogram, so recording never blocks a delivery). Only messages scheduled at or after
 * the end of the warm-up count: {@link #counts(long)} decides by the time inside the message.
 */
final class Tally {

    private static final int SIGNIFICANT_DIGITS = 3;

    private volatile long measureFrom = Long.MAX_VALUE;
    final LongAdder sent = new LongAdder();
    final LongAdder acked = new LongAdder();
    final LongAdder expected = new LongAdder();
    final LongAdder received = new LongAdder();
    final LongAdder duplicated = new LongAdder();
    final LongAdder outOfOrder = new LongAdder();
    final Histogram latencyMicros = new ConcurrentHistogram(SIGNIFICANT_DIGITS);
    final Histogram ackMicros = new ConcurrentHistogram(SIGNIFICANT_DIGITS);
    final Histogram connectMicros = new ConcurrentHistogram(SIGNIFICANT_DIGITS);
    final Histogram rejoinMicros = new ConcurrentHistogram(SIGNIFICANT_DIGITS);
    private final ErrorCounts errors = new ErrorCounts();
    /** How many members receive each message: its span is complete, and recorded, at that many receipts. */
    private final int receiptsPerMessage;
    /**
     * The earliest and latest receipt so far (nanoseconds after the message was due) and the count,
     * of each measured message some members still have to receive, by {@link #messageKey}.
     */
    private final Map<Long, long[]> spans = new ConcurrentHashMap<>();
    /** Per complete message: from its due time to its first member's receipt (the path before the fan-out). */
    private final Histogram firstMicros = new ConcurrentHistogram(SIGNIFICANT_DIGITS);
    /** Per complete message: from its first member's receipt to its last (the fan-out). */
    private final Histogram spreadMicros = new ConcurrentHistogram(SIGNIFICANT_DIGITS);

    /** @param receiptsPerMessage the members of a room, each of whom receives every message sent to it */
    Tally(int receiptsPerMessage) {
        this.receiptsPerMessage = receiptsPerMessage;
    }

    /** From now on messages scheduled at or after {@code nanos} are measured. */
    void measureFrom(long nanos) {
        measureFrom = nanos;
    }

    boolean counts(long scheduledNanos) {
        return scheduledNanos >= measureFrom;
    }

    void error(String what) {
        errors.add(what);
    }

    Map<String, Long> errors() {
        return errors.sorted();
    }

    static long micros(long nanos) {
        return TimeUnit.NANOSECONDS.toMicros(Math.max(0, nanos));
    }

    Percentiles latency() {
        return Percentiles.ofMicros(latencyMicros);
    }

    /** A member received a measured message {@code latencyNanos} after it was due (once per member and message). */
    void receipt(int publisher, long seq, long latencyNanos) {
        received.increment();
        latencyMicros.recordValue(micros(latencyNanos));
        spans.compute(messageKey(publisher, seq), (key, span) -> {
            if (span == null) {
                span = new long[] {latencyNanos, latencyNanos, 0};
            }
            span[0] = Math.min(span[0], latencyNanos);
            span[1] = Math.max(span[1], latencyNanos);
            if (++span[2] < receiptsPerMessage) {
                return span;
            }
            record(span); // every member has it: recorded, and no longer kept
            return null;
        });
    }

    /** One key per message of a run: publishers number their messages from 1, far below 2^40 each. */
    private static long messageKey(int publisher, long seq) {
        return ((long) publisher << 40) | seq;
    }

    private void record(long[] span) {
        firstMicros.recordValue(micros(span[0]));
        spreadMicros.recordValue(micros(span[1] - span[0]));
    }

    /** Records the spans of messages some member never received (lost), as far as they got; once the run is over. */
    private void recordIncomplete() {
        spans.keySet().forEach(key -> spans.computeIfPresent(key, (k, span) -> {
            record(span);
            return null;
        }));
    }

    /** From each message's due time to its first member's receipt: the path before the fan-out. */
    Percentiles firstReceipt() {
        recordIncomplete();
        return Percentiles.ofMicros(firstMicros);
    }

    /** From each message's first member's receipt to its last: the fan-out. */
    Percentiles spread() {
        recordIncomplete();
        return Percentiles.ofMicros(spreadMicros);
    }
}
