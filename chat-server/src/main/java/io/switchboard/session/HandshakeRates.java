package io.switchboard.session;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * WebSocket handshakes per client address on this node ({@code
 * switchboard.limits.handshakes-per-second-per-ip}): one token bucket per address that handshook
 * lately. Addresses whose bucket is full again are forgotten once many are tracked, so a flood from
 * many addresses costs a bounded map.
 */
final class HandshakeRates {

    private static final int MAX_TRACKED = 100_000;

    private final Map<String, RateLimiter> byAddress = new ConcurrentHashMap<>();
    private final double perSecond;
    private final int burst;

    HandshakeRates(double perSecond, int burst) {
        this.perSecond = perSecond;
        this.burst = burst;
    }

    /** 0 if a handshake from {@code address} may go on now, else the milliseconds until one may. */
    long waitFor(String address) {
        if (perSecond <= 0) {
            return 0;
        }
        long now = System.nanoTime();
        if (byAddress.size() >= MAX_TRACKED) {
            byAddress.values().removeIf(rate -> rate.isFull(now));
            if (byAddress.size() >= MAX_TRACKED) {
                byAddress.clear(); // every one busy: start over rather than grow
            }
        }
        RateLimiter rate = byAddress.computeIfAbsent(address, a -> new RateLimiter(perSecond, burst, now));
        return rate.tryAcquire(now) ? 0 : rate.millisUntilNext();
    }
}
