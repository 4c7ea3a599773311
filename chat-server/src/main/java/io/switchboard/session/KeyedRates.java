package io.switchboard.session;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Token buckets by key on this node: WebSocket handshakes per client address ({@code
 * switchboard.limits.handshakes-per-second-per-ip}), messages per user ({@code
 * user-messages-per-second}). One bucket per key used lately; keys whose bucket is full again are
 * forgotten once many are tracked, so a flood from many keys costs a bounded map.
 */
final class KeyedRates {

    private static final int MAX_TRACKED = 100_000;

    private final Map<String, RateLimiter> byKey = new ConcurrentHashMap<>();
    private final double perSecond;
    private final int burst;

    /** {@code perSecond} 0: no limit. */
    KeyedRates(double perSecond, int burst) {
        this.perSecond = perSecond;
        this.burst = burst;
    }

    /** 0 if {@code key} may go on now (a token taken), else the milliseconds until it may. */
    long waitFor(String key) {
        if (perSecond <= 0) {
            return 0;
        }
        long now = System.nanoTime();
        if (byKey.size() >= MAX_TRACKED) {
            byKey.values().removeIf(rate -> rate.isFull(now));
            if (byKey.size() >= MAX_TRACKED) {
                byKey.clear(); // every one busy: start over rather than grow
            }
        }
        RateLimiter rate = byKey.computeIfAbsent(key, k -> new RateLimiter(perSecond, burst, now));
        return rate.tryAcquire(now) ? 0 : rate.millisUntilNext();
    }
}
