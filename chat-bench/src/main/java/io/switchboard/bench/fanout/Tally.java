package io.switchboard.bench.fanout;

import io.switchboard.bench.report.ErrorCounts;
import io.switchboard.bench.report.Percentiles;
import java.util.Map;
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
}
