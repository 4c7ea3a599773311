package io.switchboard.session;

/**
 * A token bucket: {@code burst} at once, refilled at {@code perSecond}. One per connection and kind
 * of frame; written here rather than taken from Bucket4j because it is one field update under the
 * connection's own lock, and the caller needs only the wait for the next token.
 */
final class RateLimiter {

    private final double perNano;
    private final double burst;
    private double tokens;
    private long last;

    RateLimiter(double perSecond, int burst, long nowNanos) {
        this.perNano = perSecond / 1_000_000_000d;
        this.burst = burst;
        this.tokens = burst;
        this.last = nowNanos;
    }

    synchronized boolean tryAcquire(long nowNanos) {
        tokens = Math.min(burst, tokens + (nowNanos - last) * perNano);
        last = nowNanos;
        if (tokens >= 1) {
            tokens -= 1;
            return true;
        }
        return false;
    }

    /** Whether the bucket would be full at {@code nowNanos}: nothing taken lately, so it can be forgotten. */
    synchronized boolean isFull(long nowNanos) {
        return tokens + (nowNanos - last) * perNano >= burst;
    }

    /** Milliseconds until the next token, after {@link #tryAcquire} refused one (at least 1). */
    synchronized long millisUntilNext() {
        return Math.max(1, (long) Math.ceil((1 - tokens) / perNano / 1_000_000d));
    }
}
