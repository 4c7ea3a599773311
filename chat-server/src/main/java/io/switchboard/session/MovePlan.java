package io.switchboard.session;

import java.time.Duration;

/**
 * How to move connections to other nodes.
 *
 * @param reason  the {@code reason} of the {@code reconnect} frame ({@link #DRAIN}, {@link #REBALANCE},
 *                {@link #SHUTDOWN}, {@link #REDIS_UNREACHABLE}); also the tag of the moved-connections metric
 * @param limit   how many to move; {@link #ALL} moves every connection, including any that open while moving
 * @param window  the moves are spread evenly over this time (used when {@code rate} is 0)
 * @param rate    connections moved per second; {@code 0} means spread over {@code window}
 * @param jitter  each client is told to wait a random delay up to this before reconnecting
 */
public record MovePlan(String reason, int limit, Duration window, double rate, Duration jitter) {

    public static final int ALL = -1;
    /** The reasons a node moves connections: a drain, a stop, a rebalance, its link to Redis cut. */
    public static final String DRAIN = "drain";
    public static final String SHUTDOWN = "shutdown";
    public static final String REBALANCE = "rebalance";
    public static final String REDIS_UNREACHABLE = "redis_unreachable";
    /** Every reason: the moved-connections metric has a series for each from the start, at 0. */
    static final java.util.List<String> REASONS = java.util.List.of(DRAIN, SHUTDOWN, REBALANCE, REDIS_UNREACHABLE);

    /** Connections per second this plan moves when {@code count} are to be moved. */
    double perSecond(int count) {
        if (rate > 0) {
            return rate;
        }
        if (window.isZero() || window.isNegative()) {
            return Double.POSITIVE_INFINITY;
        }
        return count / (window.toNanos() / 1e9);
    }
}
