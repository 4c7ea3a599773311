package io.switchboard.bench.sweep;

import java.util.List;
import picocli.CommandLine.Option;

/** The steps of a sweep and when a step fails; shared by sweep and compare. */
public final class SweepOptions {

    @Option(names = "--rates", split = ",", paramLabel = "PER_S", defaultValue = "10000,25000,50000,75000,100000,150000",
            description = "Delivery rates to step through, comma-separated, rising (default: ${DEFAULT-VALUE}).")
    List<Double> rates;

    @Option(names = "--p99-bound", defaultValue = "50", paramLabel = "MS",
            description = "A step fails when its latency p99 passes this (default: ${DEFAULT-VALUE} ms) or anything is lost.")
    double p99BoundMs;

    @Option(names = "--step-duration", defaultValue = "10", paramLabel = "SECONDS",
            description = "Measured seconds per step (default: ${DEFAULT-VALUE}).")
    double stepSeconds;

    public List<Double> rates() {
        return rates;
    }

    public double p99BoundMs() {
        return p99BoundMs;
    }

    public double stepSeconds() {
        return stepSeconds;
    }
}
