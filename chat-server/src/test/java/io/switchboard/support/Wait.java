package io.switchboard.support;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/** Polls a condition: tests wait for outcomes, they never assert on timing. */
public final class Wait {

    private Wait() {
    }

    public static void until(Duration timeout, BooleanSupplier condition, String what) {
        until(timeout, condition, () -> what);
    }

    /** As above, with the description computed when it times out (to say what was still missing). */
    public static void until(Duration timeout, BooleanSupplier condition, java.util.function.Supplier<String> what) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + timeout + " waiting for: " + what.get());
            }
            try {
                Thread.sleep(25);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted waiting for: " + what.get());
            }
        }
    }
}
