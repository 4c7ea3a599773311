package io.switchboard.drain;

import io.micrometer.core.instrument.MeterRegistry;
import io.switchboard.cluster.NodeView;
import io.switchboard.config.NamedThreads;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

/**
 * What a node does without Redis. A node that cannot reach it serves nobody: joins and sends fail.
 * So after {@link #READINESS_DELAY} (a blip shorter than that changes nothing) its readiness drops,
 * and load balancers send new clients elsewhere. Whether its own clients should go too depends on
 * the others: if another node reaches Redis (this node is cut off: a partition), they can be served
 * there, and after {@code switchboard.cluster.cut-off-grace} they are moved, the drain way; if no
 * node does (an outage), moving them would only make them reconnect to nodes just as stuck, so they
 * stay, as they always did, and resume when Redis is back.
 *
 * <p>The others are asked directly, since the registry is in Redis: each node of the registry's
 * last view is asked for its broker health on its management port ({@code GET
 * /actuator/health/broker}, open even with a management password). A peer counts as reaching Redis
 * only once it has said so for longer than this node's own reconnect backoff, so that a node that
 * is merely slower to reconnect after an outage does not move its clients.
 */
final class CutOffWatch implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(CutOffWatch.class);
    /** How often the broker's state is looked at (a field read, no I/O). */
    static final Duration CHECK_EVERY = Duration.ofMillis(500);
    /** How long the broker must stay unreachable before readiness drops. */
    static final Duration READINESS_DELAY = Duration.ofSeconds(1);
    /** Added to the Redis client's reconnect backoff: how long peers must stay up to prove Redis is reachable. */
    static final Duration PEER_PROOF_MARGIN = Duration.ofSeconds(1);
    /** How long one peer may take to answer. */
    private static final Duration ASK_TIMEOUT = Duration.ofSeconds(1);

    private final BooleanSupplier brokerAvailable;
    private final Supplier<List<NodeView>> peers;
    private final Actions actions;
    private final long graceNanos;
    /** How long peers must have reached Redis, while this node has not, before its clients go. */
    private final long peerProofNanos;
    private final LongSupplier clock;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(ASK_TIMEOUT).build();
    private final MeterRegistry meters;
    private ScheduledExecutorService checks;
    /** When the broker was found unreachable after being reachable; -1 while reachable. */
    private long lostSince = -1;
    /** Since when a peer has been found reaching Redis while this node could not; -1 if none. */
    private long peersUpSince = -1;
    private boolean reportedLost;

    /** What the watch does to the node: the drain coordinator, which owns readiness and moves. */
    interface Actions {
        void brokerLost(boolean lost);

        void moveAwayCutOff();
    }

    /**
     * @param peers the other nodes as the registry last saw them
     * @param reconnectBackoff this node's longest wait between reconnects to Redis
     */
    CutOffWatch(BooleanSupplier brokerAvailable, Supplier<List<NodeView>> peers, Actions actions, Duration grace,
                Duration reconnectBackoff, LongSupplier clock, MeterRegistry meters) {
        this.brokerAvailable = brokerAvailable;
        this.meters = meters;
        this.peers = peers;
        this.actions = actions;
        this.graceNanos = grace.toNanos();
        this.peerProofNanos = reconnectBackoff.plus(PEER_PROOF_MARGIN).toNanos();
        this.clock = clock;
    }

    /**
     * One look, on the watch's own thread every {@link #CHECK_EVERY}. Past the grace, it asks the
     * peers and waits for their answers (at most {@link #ASK_TIMEOUT}): nothing else runs here.
     */
    void check() {
        long now = clock.getAsLong();
        if (brokerAvailable.getAsBoolean()) {
            lostSince = -1;
            peersUpSince = -1;
            if (reportedLost) {
                reportedLost = false;
                actions.brokerLost(false);
            }
            return;
        }
        if (lostSince < 0) {
            lostSince = now;
        }
        if (now - lostSince >= READINESS_DELAY.toNanos() && !reportedLost) {
            reportedLost = true;
            actions.brokerLost(true);
        }
        if (now - lostSince < graceNanos) {
            return;
        }
        if (!anyPeerReachesRedis()) {
            peersUpSince = -1;
            return;
        }
        if (peersUpSince < 0) {
            peersUpSince = now;
        }
        if (now - peersUpSince >= peerProofNanos) {
            actions.moveAwayCutOff();
        }
    }

    /** Whether a peer with a management address says its broker is UP. */
    private boolean anyPeerReachesRedis() {
        List<CompletableFuture<Boolean>> answers = peers.get().stream().filter(node -> !node.management().isEmpty())
                .map(this::reachesRedis).toList();
        return answers.stream().anyMatch(CompletableFuture::join);
    }

    private CompletableFuture<Boolean> reachesRedis(NodeView node) {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://" + node.management() + "/actuator/health/broker"))
                .timeout(ASK_TIMEOUT).GET().build();
        return http.sendAsync(request, HttpResponse.BodyHandlers.ofString())
                .thenApply(response -> response.statusCode() == 200 && response.body().contains("\"UP\""))
                .exceptionally(error -> {
                    log.debug("Could not ask {} for its broker's health: {}", node.id(), error.toString());
                    return false;
                });
    }

    @Override
    public void start() {
        checks = NamedThreads.scheduled("cut-off-watch", meters);
        checks.scheduleWithFixedDelay(() -> {
            try {
                check();
            } catch (RuntimeException e) {
                log.warn("Checking the link to Redis failed", e);
            }
        }, CHECK_EVERY.toMillis(), CHECK_EVERY.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public void stop() {
        checks.shutdownNow();
        checks = null;
        http.close();
    }

    @Override
    public boolean isRunning() {
        return checks != null;
    }
}
