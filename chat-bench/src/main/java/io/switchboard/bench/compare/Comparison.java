package io.switchboard.bench.compare;

import io.switchboard.bench.cpu.FloorResult;
import io.switchboard.bench.fanout.FanoutResult;
import io.switchboard.bench.sweep.SweepResult;
import java.util.ArrayList;
import java.util.List;

/**
 * Switchboard and the Socket.IO peer swept under the same scenario, back to back.
 *
 * @param switchboard Switchboard's sweep
 * @param socketio the peer's sweep
 * @param sustainedRatio Switchboard's highest sustainable rate over the peer's (0 when the peer sustained none)
 * @param equalLoad p99 of both at each rate both ran
 * @param floor the floor program's CPU per delivery at the sweep's first rate (null without {@code --floor})
 */
public record Comparison(SweepResult switchboard, SweepResult socketio, double sustainedRatio, List<EqualLoad> equalLoad,
        FloorResult floor) {

    /**
     * Both systems at one delivery rate.
     *
     * @param deliveryRate deliveries per second asked for
     * @param switchboardP99 Switchboard's p99 (ms)
     * @param socketioP99 the peer's p99 (ms)
     * @param p99Ratio Switchboard's p99 over the peer's: below 1 means Switchboard was faster
     * @param switchboardCpuMicros Switchboard's server CPU per delivery (µs; 0 when not measured)
     * @param socketioCpuMicros the peer's server CPU per delivery (µs; 0 when not measured)
     */
    public record EqualLoad(double deliveryRate, double switchboardP99, double socketioP99, double p99Ratio,
            double switchboardCpuMicros, double socketioCpuMicros) {}

    public static Comparison of(SweepResult switchboard, SweepResult socketio, FloorResult floor) {
        List<EqualLoad> equal = new ArrayList<>();
        for (FanoutResult ours : switchboard.steps()) {
            FanoutResult theirs = socketio.at(ours.deliveryRate());
            if (theirs != null) {
                double a = ours.latencyMs().p99();
                double b = theirs.latencyMs().p99();
                equal.add(new EqualLoad(ours.deliveryRate(), a, b, b > 0 ? a / b : 0, ours.cpu().microsPerUnit(),
                        theirs.cpu().microsPerUnit()));
            }
        }
        double ratio = socketio.sustainedRate() > 0 ? switchboard.sustainedRate() / socketio.sustainedRate() : 0;
        return new Comparison(switchboard, socketio, ratio, equal, floor);
    }

    /** The ratio table printed on stdout. */
    public String summary() {
        StringBuilder out = new StringBuilder("Switchboard vs Socket.IO peer\n");
        out.append(String.format("  %-44s %14s %14s %8s%n", "", "switchboard", "socketio", "ratio"));
        out.append(String.format("  %-44s %,14.0f %,14.0f %8s%n",
                "deliveries/s sustained (p99 <= " + (int) switchboard.p99BoundMs() + " ms, no loss)",
                switchboard.sustainedRate(), socketio.sustainedRate(),
                socketio.sustainedRate() > 0 ? String.format("%.2fx", sustainedRatio) : "n/a"));
        for (EqualLoad load : equalLoad) {
            out.append(String.format("  %-44s %14.2f %14.2f %8s%n",
                    String.format("p99 ms at %,.0f deliveries/s", load.deliveryRate()), load.switchboardP99(),
                    load.socketioP99(), load.socketioP99() > 0 ? String.format("%.2fx", load.p99Ratio()) : "n/a"));
        }
        for (EqualLoad load : equalLoad) {
            if (load.switchboardCpuMicros() > 0 || load.socketioCpuMicros() > 0) {
                out.append(String.format("  %-44s %14.1f %14.1f %8s%n",
                        String.format("server CPU µs per delivery at %,.0f/s", load.deliveryRate()),
                        load.switchboardCpuMicros(), load.socketioCpuMicros(), load.socketioCpuMicros() > 0
                                ? String.format("%.2fx", load.switchboardCpuMicros() / load.socketioCpuMicros()) : "n/a"));
            }
        }
        if (floor != null) {
            out.append("  floor: ").append(floor.line()).append('\n');
        }
        out.append("  (ratio = switchboard / socketio: below 1 means Switchboard is faster or cheaper)\n");
        return out.toString();
    }
}
