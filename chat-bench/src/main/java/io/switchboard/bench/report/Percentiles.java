package io.switchboard.bench.report;

import org.HdrHistogram.AbstractHistogram;

/**
 * A latency distribution in milliseconds, read from an HdrHistogram that recorded microseconds.
 *
 * @param count values recorded
 * @param p50 median
 * @param p90 90th percentile
 * @param p99 99th percentile
 * @param p999 99.9th percentile
 * @param max largest value
 */
public record Percentiles(long count, double p50, double p90, double p99, double p999, double max) {

    private static final double MICROS_PER_MILLI = 1000.0;

    public static Percentiles ofMicros(AbstractHistogram histogram) {
        return new Percentiles(histogram.getTotalCount(), ms(histogram.getValueAtPercentile(50)),
                ms(histogram.getValueAtPercentile(90)), ms(histogram.getValueAtPercentile(99)),
                ms(histogram.getValueAtPercentile(99.9)), ms(histogram.getMaxValue()));
    }

    private static double ms(long micros) {
        return micros / MICROS_PER_MILLI;
    }

    /** One line: {@code p50 1.2  p90 3.4  p99 5.6  p99.9 7.8  max 9.0 ms (n=1234)}. */
    public String line() {
        return count == 0 ? "none recorded"
                : String.format("p50 %.2f  p90 %.2f  p99 %.2f  p99.9 %.2f  max %.2f ms  (n=%,d)", p50, p90, p99, p999,
                        max, count);
    }
}
