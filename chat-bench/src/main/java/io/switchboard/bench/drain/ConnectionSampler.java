package io.switchboard.bench.drain;

import io.switchboard.bench.fanout.RunBroken;
import io.switchboard.bench.node.Actuator;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import tools.jackson.databind.JsonNode;

/**
 * Connections per node over time, from the cluster view ({@code GET /actuator/cluster}) that every
 * node serves for all of them; asks the next node when one does not answer.
 */
final class ConnectionSampler implements AutoCloseable {

    /**
     * One look at the cluster.
     *
     * @param seconds since the run began (members joined)
     * @param connections per node id
     */
    record Sample(double seconds, Map<String, Integer> connections) {}

    private final List<Actuator> nodes;
    private final long zeroNanos;
    private final List<Sample> samples = new CopyOnWriteArrayList<>();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().name("bench-sampler").daemon().factory());

    ConnectionSampler(List<Actuator> nodes, long zeroNanos, Duration period) {
        this.nodes = nodes;
        this.zeroNanos = zeroNanos;
        timer.scheduleAtFixedRate(this::sample, 0, period.toNanos(), TimeUnit.NANOSECONDS);
    }

    private void sample() {
        for (Actuator node : nodes) {
            try {
                Actuator.Answer answer = node.get("/actuator/cluster");
                if (answer.status() == 200) {
                    Map<String, Integer> counts = new TreeMap<>();
                    for (JsonNode entry : answer.json().path("nodes")) {
                        counts.put(entry.path("id").asString(), entry.path("connections").asInt());
                    }
                    samples.add(new Sample((System.nanoTime() - zeroNanos) / 1e9, counts));
                    return;
                }
            } catch (RunBroken unreachable) {
                // the next node answers for the cluster
            }
        }
    }

    List<Sample> samples() {
        return List.copyOf(samples);
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
