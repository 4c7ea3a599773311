package io.switchboard.session;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * The token bucket on the test's clock (nanoseconds passed in): a full bucket lets its burst
 * through, refills at its rate up to the burst, answers the wait for the next token (rounded up to
 * the millisecond, never 0) without taking one, and a charge takes a token even from an empty
 * bucket, so the debt is paid back before the next frame is allowed.
 */
class RateLimiterTests {

    private static final long MS = 1_000_000L;
    private static final long SECOND = 1_000 * MS;
    private static final long START = 123_456_789_000L; // System.nanoTime() starts anywhere

    @Test
    void startsFullAndLetsItsBurstThroughAtOnce() {
        RateLimiter bucket = new RateLimiter(10, 5, START);
        for (int i = 0; i < 5; i++) {
            assertThat(bucket.tryAcquire(START)).as("token %d of the burst", i + 1).isTrue();
        }
        assertThat(bucket.tryAcquire(START)).isFalse();
        assertThat(bucket.tryAcquire(START)).as("a refusal takes nothing, and gives nothing back").isFalse();
    }

    @Test
    void refillsAtItsRateUpToTheBurst() {
        RateLimiter bucket = new RateLimiter(10, 5, START); // a token every 100 ms
        drain(bucket, START);

        assertThat(bucket.tryAcquire(START + 90 * MS)).isFalse();
        assertThat(bucket.tryAcquire(START + 110 * MS)).isTrue();
        assertThat(bucket.tryAcquire(START + 110 * MS)).isFalse();
        assertThat(bucket.tryAcquire(START + 310 * MS)).as("two more 200 ms later").isTrue();
        assertThat(bucket.tryAcquire(START + 310 * MS)).isTrue();
        assertThat(bucket.tryAcquire(START + 310 * MS)).isFalse();

        long anHourLater = START + 3_600 * SECOND;
        assertThat(drain(bucket, anHourLater)).as("an idle hour fills it to its burst, no more").isEqualTo(5);
    }

    @Test
    void answersTheWaitWithoutTakingAToken() {
        RateLimiter bucket = new RateLimiter(10, 3, START);
        for (int i = 0; i < 100; i++) {
            assertThat(bucket.waitWithoutTaking(START)).isZero();
        }
        assertThat(drain(bucket, START)).as("looking took nothing").isEqualTo(3);

        assertThat(bucket.waitWithoutTaking(START)).isEqualTo(100);
        assertThat(bucket.waitWithoutTaking(START + 40 * MS)).isEqualTo(60);
        assertThat(bucket.waitWithoutTaking(START + 100 * MS)).isZero();
        assertThat(bucket.tryAcquire(START + 100 * MS)).as("still there after looking").isTrue();
    }

    @Test
    void aChargeTakesATokenEvenFromAnEmptyBucketAndTheDebtIsPaidFirst() {
        RateLimiter bucket = new RateLimiter(10, 2, START);
        bucket.charge(START);
        assertThat(bucket.tryAcquire(START)).as("a charge takes a token like an acquire").isTrue();
        assertThat(bucket.tryAcquire(START)).isFalse();

        bucket.charge(START);
        bucket.charge(START); // two in flight overspent: the bucket owes two
        assertThat(bucket.waitWithoutTaking(START)).as("three tokens to come before the next").isEqualTo(300);
        assertThat(bucket.tryAcquire(START + 290 * MS)).isFalse();
        assertThat(bucket.tryAcquire(START + 310 * MS)).isTrue();
    }

    @Test
    void theWaitForTheNextTokenIsRoundedUpToAWholeMillisecondAndNeverZero() {
        RateLimiter fast = new RateLimiter(1_000_000, 1, START); // a token every microsecond
        assertThat(fast.tryAcquire(START)).isTrue();
        assertThat(fast.tryAcquire(START)).isFalse();
        assertThat(fast.millisUntilNext()).isEqualTo(1);

        RateLimiter slow = new RateLimiter(0.001, 1, START); // one every 1000 s
        assertThat(slow.tryAcquire(START)).isTrue();
        assertThat(slow.tryAcquire(START)).isFalse();
        assertThat(slow.millisUntilNext()).isEqualTo(1_000_000);

        RateLimiter quarter = new RateLimiter(0.25, 1, START); // one every 4 s
        assertThat(quarter.tryAcquire(START)).isTrue();
        assertThat(quarter.tryAcquire(START + 3 * SECOND)).isFalse();
        assertThat(quarter.millisUntilNext()).as("a second left").isEqualTo(1_000);

        RateLimiter tenthOfAMillisecondLeft = new RateLimiter(10, 1, START);
        assertThat(tenthOfAMillisecondLeft.tryAcquire(START)).isTrue();
        assertThat(tenthOfAMillisecondLeft.tryAcquire(START + 99 * MS + 900_000)).isFalse();
        assertThat(tenthOfAMillisecondLeft.millisUntilNext()).isEqualTo(1);
    }

    /** Takes every token there is at {@code now}; answers how many. */
    private static int drain(RateLimiter bucket, long now) {
        int taken = 0;
        while (bucket.tryAcquire(now)) {
            taken++;
        }
        return taken;
    }
}
