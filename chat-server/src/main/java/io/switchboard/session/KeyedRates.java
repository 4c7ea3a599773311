package io.switchboard.session;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.time.Duration;

/**
 * Token buckets by key on this node: WebSocket handshakes per client address ({@code
 * switchboard.limits.handshakes-per-second-per-ip}), messages per user ({@code
 * user-messages-per-second}), new rooms per user and per address. Held in a bounded Caffeine cache:
 * a bucket unused for as long as it takes to refill is forgotten (it would be full again, the same
 * as a new one), and beyond {@link #MAX_TRACKED} keys the least recently used are evicted one by
 * one, so a flood from many keys costs a bounded map and never resets the busy keys' budgets.
 */
public final class KeyedRates {

    static final int MAX_TRACKED = 100_000;

    /** How long an idle key is kept when there is no limit (nothing is tracked then anyway). */
    private static final Duration UNLIMITED_EXPIRY = Duration.ofSeconds(1);

    private final Cache<String, RateLimiter> byKey;
    private final double perSecond;
    private final int burst;

    /** {@code perSecond} 0: no limit. */
    public KeyedRates(double perSecond, int burst) {
        this(perSecond, burst, MAX_TRACKED);
    }

    KeyedRates(double perSecond, int burst, int maxTracked) {
        this.perSecond = perSecond;
        this.burst = burst;
        Duration refill = perSecond <= 0 ? UNLIMITED_EXPIRY
                : Duration.ofNanos((long) Math.ceil(burst / perSecond * 1_000_000_000d));
        // evictions run on the caller, so the bound holds at once and tests see it without waiting
        this.byKey = Caffeine.newBuilder().maximumSize(maxTracked).expireAfterAccess(refill)
                .executor(Runnable::run).build();
    }

    /** 0 if {@code key} may go on now (a token taken), else the milliseconds until it may. */
    public long waitFor(String key) {
        if (perSecond <= 0) {
            return 0;
        }
        long now = System.nanoTime();
        RateLimiter rate = bucket(key, now);
        return rate.tryAcquire(now) ? 0 : rate.millisUntilNext();
    }

    /** Like {@link #waitFor}, without taking a token: 0 if one is there now. */
    long peek(String key) {
        if (perSecond <= 0) {
            return 0;
        }
        long now = System.nanoTime();
        return bucket(key, now).waitWithoutTaking(now);
    }

    /** Takes a token from {@code key}'s bucket even if there is none (see {@link RateLimiter#charge}). */
    void charge(String key) {
        if (perSecond > 0) {
            long now = System.nanoTime();
            bucket(key, now).charge(now);
        }
    }

    private RateLimiter bucket(String key, long now) {
        return byKey.get(key, k -> new RateLimiter(perSecond, burst, now));
    }
}
