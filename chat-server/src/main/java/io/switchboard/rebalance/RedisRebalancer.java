package io.switchboard.rebalance;

import io.switchboard.cluster.NodeRegistry;
import io.switchboard.cluster.NodeState;
import io.switchboard.cluster.NodeView;
import io.switchboard.config.LifecyclePhases;
import io.switchboard.config.SwitchboardProperties;
import io.switchboard.session.Connections;
import io.switchboard.session.Move;
import io.switchboard.session.MovePlan;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.data.redis.connection.Message;
import org.springframework.data.redis.connection.MessageListener;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.data.redis.listener.ChannelTopic;
import org.springframework.data.redis.listener.RedisMessageListenerContainer;
import tools.jackson.databind.json.JsonMapper;

/**
 * The rebalancer of a Redis-backed cluster. The node that starts a rebalance takes a lock with the
 * rebalance's timeout as expiry (so only one runs, and a crashed runner's lock goes away), and runs
 * rounds: read the registry, tell each over node on the control channel how many to shed, wait for
 * the shed clients to land and the counts to refresh, look again.
 *
 * <h2>Storage details</h2>
 * With {@code P} the key prefix:
 * <ul>
 *   <li>{@code P{cluster}:rebalance:lock} string rebalance id ({@code SET NX PX timeout}, {@code DEL});</li>
 *   <li>{@code P{cluster}:rebalance} string, the last rebalance's JSON ({@code SET}, {@code GET});</li>
 *   <li>{@code P{cluster}:rebalance:shed} hash node id → connections it shed in the running
 *       rebalance ({@code HINCRBY}, {@code HGETALL}, {@code DEL});</li>
 *   <li>channel {@code P{cluster}:control} ({@code PUBLISH}, {@code SUBSCRIBE}): node-to-node
 *       control, never on a room channel; {@code shed <rebalance id> <node> <count>}.</li>
 * </ul>
 */
final class RedisRebalancer implements Rebalancer, MessageListener, SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(RedisRebalancer.class);
    private static final JsonMapper JSON = JsonMapper.builder().build();
    /** Time for shed clients to reconnect and for every node's next heartbeat, on top of the shed window. */
    private static final Duration LANDING = Duration.ofSeconds(1);

    private final StringRedisTemplate redis;
    private final RedisMessageListenerContainer listeners;
    private final NodeRegistry registry;
    private final Connections connections;
    private final SwitchboardProperties.Rebalance settings;
    private final Duration jitter;
    private final Duration heartbeat;
    private final Clock clock;
    private final String lockKey;
    private final String statusKey;
    private final String shedKey;
    private final ChannelTopic control;
    private ScheduledExecutorService scheduler;
    private Move shedding;

    RedisRebalancer(StringRedisTemplate redis, RedisMessageListenerContainer listeners, NodeRegistry registry,
                    Connections connections, SwitchboardProperties properties, Clock clock) {
        this.redis = redis;
        this.listeners = listeners;
        this.registry = registry;
        this.connections = connections;
        this.settings = properties.rebalance();
        this.jitter = properties.drain().reconnectJitter();
        this.heartbeat = properties.cluster().heartbeat();
        this.clock = clock;
        String prefix = properties.redis().keyPrefix() + "{cluster}:";
        this.lockKey = prefix + "rebalance:lock";
        this.statusKey = prefix + "rebalance";
        this.shedKey = prefix + "rebalance:shed";
        this.control = new ChannelTopic(prefix + "control");
    }

    @Override
    public synchronized RebalanceStatus start(String reason) {
        String id = UUID.randomUUID().toString().substring(0, 8);
        if (!Boolean.TRUE.equals(redis.opsForValue().setIfAbsent(lockKey, id, settings.timeout()))) {
            return status();
        }
        redis.delete(shedKey);
        Instant now = clock.instant();
        RebalanceStatus running = new RebalanceStatus(id, "running", reason, registry.self(), now, null, 0,
                counts(registry.nodes()), Map.of(), Map.of());
        save(running);
        log.info("Rebalance {} started: {}", id, reason);
        scheduler.execute(() -> round(running, now.plus(settings.timeout())));
        return running;
    }

    @Override
    public RebalanceStatus status() {
        String json = redis.opsForValue().get(statusKey);
        if (json == null) {
            return RebalanceStatus.none("no rebalance has run");
        }
        RebalanceStatus status = JSON.readValue(json, RebalanceStatus.class);
        Map<String, Long> shed = shed();
        if (status.running() && !status.id().equals(redis.opsForValue().get(lockKey))) {
            return finished(status, "abandoned", "the node running it went away", shed);
        }
        return status.running() ? withShed(status, shed) : status;
    }

    /** Starts a rebalance by itself once this node has settled, if it joined a cluster. */
    void scheduleAutomatic() {
        if (!settings.auto()) {
            return;
        }
        scheduler.schedule(() -> {
            try {
                long ready = registry.nodes().stream().filter(n -> n.state() == NodeState.READY).count();
                if (ready > 1 && registry.state() == NodeState.READY) {
                    start("automatic: node " + registry.self() + " joined");
                }
            } catch (RuntimeException e) {
                log.warn("Automatic rebalance did not start: {}", e.getMessage());
            }
        }, settings.settleDelay().toMillis(), TimeUnit.MILLISECONDS);
    }

    /** One round: tell the over nodes to shed, then look again after they have. Runs on the scheduler. */
    private void round(RebalanceStatus status, Instant deadline) {
        try {
            List<NodeView> nodes = registry.nodes();
            if (!status.id().equals(redis.opsForValue().get(lockKey))) {
                return;
            }
            if (nodes.stream().anyMatch(n -> n.state() == NodeState.DRAINING)) {
                end(status, "stopped", "a node is draining", nodes);
                return;
            }
            if (clock.instant().isAfter(deadline)) {
                end(status, "timed-out", "not balanced within switchboard.rebalance.timeout", nodes);
                return;
            }
            Map<String, Integer> ready = counts(nodes);
            double mean = ready.values().stream().mapToInt(Integer::intValue).average().orElse(0);
            double tolerance = Math.max(settings.toleranceAbsolute(), settings.toleranceRelative() * mean);
            Map<String, Integer> excess = new LinkedHashMap<>();
            ready.forEach((node, count) -> {
                if (count - mean > tolerance) {
                    excess.put(node, (int) Math.floor(count - mean));
                }
            });
            if (ready.size() < 2 || excess.isEmpty()) {
                end(status, "balanced", "every ready node is within " + Math.round(tolerance) + " of the mean "
                        + Math.round(mean), nodes);
                return;
            }
            excess.forEach((node, count) -> redis.convertAndSend(control.getTopic(),
                    "shed " + status.id() + " " + node + " " + count));
            RebalanceStatus next = withShed(new RebalanceStatus(status.id(), status.state(), status.reason(),
                    status.startedBy(), status.startedAt(), null, status.rounds() + 1, status.before(), Map.of(),
                    Map.of()), shed());
            save(next);
            long wait = settings.window().plus(jitter).plus(heartbeat.multipliedBy(2)).plus(LANDING).toMillis();
            scheduler.schedule(() -> round(next, deadline), wait, TimeUnit.MILLISECONDS);
        } catch (RuntimeException e) {
            log.warn("Rebalance {} failed: {}", status.id(), e.getMessage());
            redis.delete(lockKey);
        }
    }

    /** A control message: shed our share if it is addressed to us and we are ready. */
    @Override
    public void onMessage(Message message, byte[] pattern) {
        String[] parts = new String(message.getBody(), StandardCharsets.UTF_8).split(" ");
        if (parts.length != 4 || !parts[0].equals("shed") || !parts[2].equals(registry.self())) {
            return;
        }
        int count = Integer.parseInt(parts[3]);
        scheduler.execute(() -> shed(parts[1], count));
    }

    private synchronized void shed(String rebalance, int count) {
        if (registry.state() != NodeState.READY || (shedding != null && !shedding.done().isDone())) {
            return;
        }
        log.info("Rebalance {}: moving {} of {} connections to other nodes", rebalance, count, connections.count());
        Move move = connections.moveAway(new MovePlan("rebalance", count, settings.window(), 0, jitter));
        shedding = move;
        move.done().whenComplete((ok, error) -> scheduler.execute(() -> {
            try {
                redis.opsForHash().increment(shedKey, registry.self(), move.moved());
                registry.setState(registry.state());
            } catch (RuntimeException e) {
                log.debug("Could not record the shed connections: {}", e.getMessage());
            }
        }));
    }

    private void end(RebalanceStatus status, String state, String reason, List<NodeView> nodes) {
        RebalanceStatus ended = finished(status, state, reason, shed());
        save(new RebalanceStatus(ended.id(), ended.state(), ended.reason(), ended.startedBy(), ended.startedAt(),
                ended.endedAt(), ended.rounds(), ended.before(), counts(nodes), ended.shed()));
        redis.delete(lockKey);
        log.info("Rebalance {} {}: {}; connections {}", status.id(), state, reason, counts(nodes));
    }

    private RebalanceStatus finished(RebalanceStatus status, String state, String reason, Map<String, Long> shed) {
        return new RebalanceStatus(status.id(), state, status.reason() + "; " + reason, status.startedBy(),
                status.startedAt(), clock.instant(), status.rounds(), status.before(), status.after(), shed);
    }

    private static RebalanceStatus withShed(RebalanceStatus status, Map<String, Long> shed) {
        return new RebalanceStatus(status.id(), status.state(), status.reason(), status.startedBy(), status.startedAt(),
                status.endedAt(), status.rounds(), status.before(), status.after(), shed);
    }

    private Map<String, Long> shed() {
        Map<String, Long> shed = new LinkedHashMap<>();
        redis.<String, String>opsForHash().entries(shedKey).forEach((node, n) -> shed.put(node, Long.parseLong(n)));
        return shed;
    }

    private void save(RebalanceStatus status) {
        redis.opsForValue().set(statusKey, JSON.writeValueAsString(status));
    }

    private static Map<String, Integer> counts(List<NodeView> nodes) {
        Map<String, Integer> counts = new LinkedHashMap<>();
        nodes.stream().filter(n -> n.state() == NodeState.READY).forEach(n -> counts.put(n.id(), n.connections()));
        return counts;
    }

    @Override
    public void start() {
        scheduler = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().name("rebalance").daemon().factory());
        listeners.addMessageListener(this, control);
    }

    @Override
    public void stop() {
        listeners.removeMessageListener(this, control);
        scheduler.shutdownNow();
        scheduler = null;
    }

    @Override
    public boolean isRunning() {
        return scheduler != null;
    }

    @Override
    public int getPhase() {
        return LifecyclePhases.REBALANCER;
    }
}
