package io.switchboard.bench.drain;

import io.switchboard.bench.fanout.FanoutResult;
import java.util.List;

/**
 * Fan-out load through a rolling drain: whether every delivery survived the moves, and how.
 *
 * @param load the fan-out counts over the whole run (lost, duplicated; rejoinMs is the reconnect time)
 * @param drains each node's drain, in order
 * @param addNodeCommand the command run after the drains to add a node, if any
 * @param samples connections per node over time
 */
record DrainResult(FanoutResult load, List<RollingDrain.NodeDrain> drains, String addNodeCommand,
        List<ConnectionSampler.Sample> samples) {

    public String summary() {
        StringBuilder out = new StringBuilder("rolling drain under load\n");
        out.append(load.summary());
        for (RollingDrain.NodeDrain drain : drains) {
            out.append(String.format("  drain %s: started %.1f s, drained %.1f s, %d sessions moved%n", drain.node(),
                    drain.startSeconds(), drain.drainedSeconds(), drain.moved()));
        }
        if (addNodeCommand != null) {
            out.append("  then added a node: ").append(addNodeCommand).append('\n');
        }
        out.append("  connections per node (every ~second):\n");
        double next = Double.NEGATIVE_INFINITY;
        for (ConnectionSampler.Sample sample : samples) {
            if (sample.seconds() >= next) {
                out.append(String.format("    %6.1f s  %s%n", sample.seconds(), sample.connections()));
                next = sample.seconds() + 1;
            }
        }
        return out.toString();
    }
}
