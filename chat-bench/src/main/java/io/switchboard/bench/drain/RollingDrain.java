package io.switchboard.bench.drain;

import io.switchboard.bench.fanout.RunBroken;
import io.switchboard.bench.node.Actuator;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * A rolling upgrade without the restart: each node in turn is drained ({@code POST /actuator/drain}),
 * watched until {@code drained}, and restored ({@code DELETE}), as docs/operations.md describes. A
 * {@code 409} (another node still draining, or none ready to take the sessions) is retried until
 * the cluster accepts the drain.
 */
final class RollingDrain {

    private static final long POLL_MILLIS = 250;
    private static final long REFUSED_RETRY_MILLIS = 500;
    private static final long NODE_TIMEOUT_MILLIS = TimeUnit.MINUTES.toMillis(5);

    /**
     * One node's drain.
     *
     * @param node the node's management address
     * @param startSeconds when the drain was accepted, seconds since the run began (members joined)
     * @param drainedSeconds when the node reported {@code drained}
     * @param moved sessions it moved (its own count)
     */
    record NodeDrain(String node, double startSeconds, double drainedSeconds, long moved) {}

    private final List<Actuator> nodes;
    private final String body;
    private final long zeroNanos;
    /** Members not in their room: the next drain starts only when everyone is back, as an operator would wait. */
    private final LongSupplier away;
    private final List<NodeDrain> drains = new ArrayList<>();

    RollingDrain(List<Actuator> nodes, String body, long zeroNanos, LongSupplier away) {
        this.nodes = nodes;
        this.body = body;
        this.zeroNanos = zeroNanos;
        this.away = away;
    }

    /** Drains every node in turn; returns when the last one is restored. */
    List<NodeDrain> run() {
        for (Actuator node : nodes) {
            drains.add(drain(node));
        }
        return List.copyOf(drains);
    }

    private NodeDrain drain(Actuator node) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(NODE_TIMEOUT_MILLIS);
        Actuator.Answer accepted = node.post("/actuator/drain", body);
        while (accepted.status() == 409) {
            pause(REFUSED_RETRY_MILLIS, deadline, node);
            accepted = node.post("/actuator/drain", body);
        }
        if (accepted.status() != 200) {
            throw new RunBroken("POST " + node.base() + "/actuator/drain answered " + accepted.status() + " "
                    + accepted.json());
        }
        double start = seconds();
        Actuator.Answer state = accepted;
        while (!"drained".equals(state.json().path("state").asString())) {
            pause(POLL_MILLIS, deadline, node);
            state = node.get("/actuator/drain");
        }
        double drained = seconds();
        long moved = state.json().path("moved").asLong();
        Actuator.Answer restored = node.delete("/actuator/drain");
        if (restored.status() != 200) {
            throw new RunBroken("DELETE " + node.base() + "/actuator/drain answered " + restored.status());
        }
        while (away.getAsLong() > 0) {
            pause(POLL_MILLIS, deadline, node);
        }
        System.out.printf("  drained %s: %d sessions moved in %.1f s, all back in their rooms after %.1f s%n",
                node.base(), moved, drained - start, seconds() - start);
        return new NodeDrain(node.base().toString(), start, drained, moved);
    }

    private double seconds() {
        return (System.nanoTime() - zeroNanos) / 1e9;
    }

    private static void pause(long millis, long deadline, Actuator node) {
        if (System.nanoTime() > deadline) {
            throw new RunBroken("the drain of " + node.base() + " did not finish within "
                    + TimeUnit.MILLISECONDS.toSeconds(NODE_TIMEOUT_MILLIS) + " s");
        }
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RunBroken("interrupted");
        }
    }
}
