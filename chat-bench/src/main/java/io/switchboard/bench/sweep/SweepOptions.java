package io.switchboard.bench.sweep;

import io.switchboard.bench.fanout.DurationConverter;
import io.switchboard.bench.fanout.Scenario;
import java.time.Duration;
import java.util.List;
import picocli.CommandLine.Option;

/** The steps of a sweep and when a step fails, and the sweep they make; shared by sweep and compare. */
public final class SweepOptions {

    @Option(names = "--rates", split = ",", paramLabel = "PER_S", defaultValue = "10000,25000,50000,75000,100000,150000",
            description = "Delivery rates to step through, comma-separated, rising (default: ${DEFAULT-VALUE}).")
    List<Double> rates;

    @Option(names = "--p99-bound", defaultValue = "50ms", converter = DurationConverter.class, paramLabel = "TIME",
            description = "A step fails when its latency p99 passes this or anything is lost (" + DurationConverter.FORMS
                    + ", so write 50ms for 50 milliseconds; default: ${DEFAULT-VALUE}).")
    Duration p99Bound;

    @Option(names = "--step-duration", defaultValue = "10s", converter = DurationConverter.class, paramLabel = "TIME",
            description = "Measured time per step, after its warm-up (" + DurationConverter.FORMS
                    + "; default: ${DEFAULT-VALUE}).")
    Duration stepDuration;

    /**
     * Sweeps {@code base} (its message rate replaced per step) through these rates, printing each
     * step as it ends and then the summary.
     */
    public SweepResult run(Scenario base) {
        SweepResult result = Sweep.run(base, rates, stepDuration, p99BoundMs(), step -> System.out.print(step.summary()));
        System.out.print(result.summary());
        return result;
    }

    /** The bound in milliseconds, the unit every latency is reported in. */
    public double p99BoundMs() {
        return p99Bound.toNanos() / 1e6;
    }

    /** The sweep's first (lowest) delivery rate. */
    public double firstRate() {
        return rates.getFirst();
    }

    public Duration stepDuration() {
        return stepDuration;
    }
}
