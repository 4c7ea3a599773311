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
        refill(nowNanos);
        if (tokens >= 1) {
            tokens -= 1;
            return true;
        }
        return false;
    }

    /** 0 if a token is there at {@code nowNanos}, else the milliseconds until one is; takes none. */
    synchronized long waitWithoutTaking(long nowNanos) {
        refill(nowNanos);
        return tokens >= 1 ? 0 : millisUntilNext();
    }

    /**
     * Takes a token even if there is none, leaving the bucket in debt: for work found to be
     * chargeable only after it was done (a join that turned out to create its room), so that what
     * several such requests in flight overspend is paid back before the next one is allowed.
     */
    synchronized void charge(long nowNanos) {
        refill(nowNanos);
        tokens -= 1;
    }

    private void refill(long nowNanos) {
        tokens = Math.min(burst, tokens + (nowNanos - last) * perNano);
        last = nowNanos;
    }

    /** Milliseconds until the next token, after {@link #tryAcquire} refused one (at least 1). */
    synchronized long millisUntilNext() {
        return Math.max(1, (long) Math.ceil((1 - tokens) / perNano / 1_000_000d));
    }
}
