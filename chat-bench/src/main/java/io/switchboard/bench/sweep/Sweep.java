package io.switchboard.bench.sweep;

import io.switchboard.bench.fanout.Fanout;
import io.switchboard.bench.fanout.FanoutResult;
import io.switchboard.bench.fanout.RunBroken;
import io.switchboard.bench.fanout.Scenario;
import io.switchboard.bench.report.LineChart;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Fan-out at rising delivery rates, each step a fresh run (new connections, new rooms), until a
 * step's p99 passes the bound or a delivery is lost or duplicated. The last passing step is the
 * highest sustainable rate: the number to compare systems by.
 */
public final class Sweep {

    private Sweep() {
    }

    /**
     * @param base the load; its message rate is replaced per step
     * @param deliveryRates the steps in deliveries per second, rising
     * @param onStep called after each step (to print progress)
     */
    public static SweepResult run(Scenario base, List<Double> deliveryRates, Duration stepDuration, double p99BoundMs,
            Consumer<FanoutResult> onStep) {
        List<FanoutResult> steps = new ArrayList<>();
        double sustained = 0;
        String reason = "every step passed";
        for (double rate : deliveryRates) {
            FanoutResult step;
            try {
                step = Fanout.run(base.withMessageRate(rate / base.members()), stepDuration);
            } catch (RunBroken e) {
                reason = String.format("the %,.0f/s step broke: %s", rate, e.getMessage());
                break;
            }
            steps.add(step);
            onStep.accept(step);
            if (step.latencyMs().p99() > p99BoundMs) {
                reason = String.format("p99 %.1f ms > %.0f ms at %,.0f/s", step.latencyMs().p99(), p99BoundMs, rate);
                break;
            }
            if (!step.clean()) {
                reason = String.format("at %,.0f/s: %d lost, %d duplicated, %d out of order", rate, step.lost(),
                        step.duplicated(), step.outOfOrder());
                break;
            }
            sustained = rate;
        }
        return new SweepResult(base.system().name().toLowerCase(), p99BoundMs, steps, sustained, reason);
    }

    /** Adds a sweep's p50 and p99 against the asked delivery rate to {@code chart}. */
    private static void plot(LineChart chart, SweepResult sweep) {
        LineChart.Line p50 = chart.line(sweep.system() + " p50");
        LineChart.Line p99 = chart.line(sweep.system() + " p99");
        for (FanoutResult step : sweep.steps()) {
            p50.point(step.deliveryRate(), step.latencyMs().p50());
            p99.point(step.deliveryRate(), step.latencyMs().p99());
        }
    }

    /** A chart of one or more sweeps, latency on a log scale. */
    public static void writeChart(Path file, String title, List<SweepResult> sweeps) {
        LineChart chart = new LineChart(title, "deliveries per second (asked)", "latency (ms, log scale)", true);
        sweeps.forEach(sweep -> plot(chart, sweep));
        chart.writePng(file);
    }
}
