package io.switchboard.bench.sweep;

import io.switchboard.bench.fanout.FanoutResult;
import java.util.List;

/**
 * A sweep: fan-out at rising delivery rates until one step fails.
 *
 * @param system the system swept
 * @param p99BoundMs a step passes with latency p99 at most this, nothing lost and nothing duplicated
 * @param steps every step run, in order (the last one may be the failing one)
 * @param sustainedRate the highest delivery rate asked for whose step passed; 0 if none did
 * @param stopReason why the sweep stopped
 */
public record SweepResult(String system, double p99BoundMs, List<FanoutResult> steps, double sustainedRate,
        String stopReason) {

    /** The step at {@code deliveryRate}, if it ran. */
    public FanoutResult at(double deliveryRate) {
        return steps.stream().filter(s -> s.deliveryRate() == deliveryRate).findFirst().orElse(null);
    }

    /** The table printed on stdout. */
    public String summary() {
        StringBuilder out = new StringBuilder(String.format("%s sweep (p99 bound %.0f ms)%n", system, p99BoundMs));
        out.append(String.format("  %12s %12s %9s %9s %9s %9s %8s %6s%n", "asked/s", "delivered/s", "p50 ms", "p90 ms",
                "p99 ms", "max ms", "lost", "dup"));
        for (FanoutResult step : steps) {
            out.append(String.format("  %,12.0f %,12.0f %9.2f %9.2f %9.2f %9.2f %,8d %,6d%n", step.deliveryRate(),
                    step.deliveriesPerSecond(), step.latencyMs().p50(), step.latencyMs().p90(), step.latencyMs().p99(),
                    step.latencyMs().max(), step.lost(), step.duplicated()));
        }
        out.append(String.format("  highest sustainable rate: %,.0f deliveries/s (%s)%n", sustainedRate, stopReason));
        return out.toString();
    }
}
