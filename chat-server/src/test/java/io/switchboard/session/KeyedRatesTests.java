package io.switchboard.session;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Rate buckets by key: bounded in keys, and a flood of new keys never resets a busy key's budget. */
class KeyedRatesTests {

    @Test
    void aFloodOfOtherKeysDoesNotGiveABusyKeyItsBudgetBack() {
        KeyedRates rates = new KeyedRates(0.001, 5, 1_000);
        for (int i = 0; i < 5; i++) {
            assertThat(rates.waitFor("10.0.0.1")).isZero();
        }
        assertThat(rates.waitFor("10.0.0.1")).as("its budget is spent").isPositive();

        for (int i = 0; i < 50_000; i++) { // fifty times the keys it tracks
            rates.waitFor("flood-" + i);
            if (i % 100 == 0) {
                assertThat(rates.waitFor("10.0.0.1")).as("still spent after %d other keys", i).isPositive();
            }
        }
        assertThat(rates.waitFor("10.0.0.1")).isPositive();
    }

    @Test
    void peekingTakesNothingAndChargingGoesIntoDebt() {
        KeyedRates rates = new KeyedRates(0.001, 2, 1_000);
        assertThat(rates.peek("ada")).isZero();
        assertThat(rates.peek("ada")).isZero();
        rates.charge("ada");
        rates.charge("ada");
        rates.charge("ada");
        assertThat(rates.peek("ada")).as("two taken, one more owed").isGreaterThan(1_000_000);
        assertThat(rates.waitFor("ada")).isPositive();
    }

    @Test
    void noLimitWhenTheRateIsZero() {
        KeyedRates rates = new KeyedRates(0, 1);
        for (int i = 0; i < 100; i++) {
            assertThat(rates.waitFor("any")).isZero();
        }
    }
}
