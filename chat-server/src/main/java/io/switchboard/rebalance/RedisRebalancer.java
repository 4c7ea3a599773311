package io.switchboard.rebalance;

import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.micrometer.core.instrument.MeterRegistry;
import io.switchboard.cluster.NodeRegistry;
import io.switchboard.cluster.NodeState;
import io.switchboard.cluster.NodeView;
import io.switchboard.config.LifecyclePhases;
import io.switchboard.config.NamedThreads;
import io.switchboard.config.SwitchboardProperties;
import io.switchboard.redis.ControlChannel;
import io.switchboard.redis.LuaScript;
import io.switchboard.redis.RedisCommandConnection;
import io.switchboard.redis.RedisKeys;
import io.switchboard.redis.RedisWait;
import io.switchboard.session.Connections;
import io.switchboard.session.Move;
import io.switchboard.session.MovePlan;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import tools.jackson.databind.json.JsonMapper;

/**
 * The rebalancer of a Redis-backed cluster. The node that starts a rebalance takes a lock with the
 * rebalance's timeout as expiry (so only one runs, and a crashed runner's lock goes away), and runs
 * rounds: read the registry, tell each over node on the control channel how many to shed, wait for
 * the shed clients to land and the counts to refresh, look again. The lock, the new status and the
 * cleared shed counts are written in one step ({@code start.lua}), so a start that finds the lock
 * taken answers the running rebalance. Keys: see {@link RedisKeys}
 * ({@code {cluster}:rebalance}, {@code :lock}, {@code :shed}, channel {@code {cluster}:control}).
 *
 * <p>Rounds and sheds run on its own thread ({@code rebalance}), which may wait for Redis (at most
 * {@link RedisWait#TIMEOUT}); so may the actuator requests that start one or read its status.
 */
final class RedisRebalancer implements Rebalancer, SmartLifecycle, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(RedisRebalancer.class);
    private static final JsonMapper JSON = JsonMapper.builder().build();
    /** Takes the lock and writes the running status in one step: a start that loses reads the winner's. */
    private static final LuaScript START = LuaScript.load(RedisRebalancer.class, "start.lua");
    /** Time for shed clients to reconnect and for every node's next heartbeat, on top of the shed window. */
    private static final Duration LANDING = Duration.ofSeconds(1);

    private final AbstractRedisClient client;
    private final RedisCommandConnection redis;
    private final NodeRegistry registry;
    private final Connections connections;
    private final SwitchboardProperties.Rebalance settings;
    private final Duration jitter;
    private final Duration heartbeat;
    private final Clock clock;
    /** Makes the thread rounds and sheds run on, when this starts. */
    private final Supplier<ScheduledExecutorService> thread;
    private final String lockKey;
    private final String statusKey;
    private final String shedKey;
    private final String controlChannel;
    private volatile ScheduledExecutorService scheduler;
    private ControlChannel control;
    private Move shedding;

    RedisRebalancer(AbstractRedisClient client, NodeRegistry registry, Connections connections,
                    SwitchboardProperties properties, Clock clock, MeterRegistry meters) {
        this(client, registry, connections, properties, clock, () -> NamedThreads.scheduled("rebalance", meters));
    }

    /** As above, its rounds and sheds on what {@code thread} makes: a test's scheduler, on the test's clock. */
    RedisRebalancer(AbstractRedisClient client, NodeRegistry registry, Connections connections,
                    SwitchboardProperties properties, Clock clock, Supplier<ScheduledExecutorService> thread) {
        this.client = client;
        this.redis = RedisCommandConnection.open(client);
        this.registry = registry;
        this.connections = connections;
        this.settings = properties.rebalance();
        this.jitter = properties.drain().reconnectJitter();
        this.heartbeat = properties.cluster().heartbeat();
        this.clock = clock;
        this.thread = thread;
        RedisKeys keys = new RedisKeys(properties.redis().keyPrefix());
        this.lockKey = keys.rebalanceLock();
        this.statusKey = keys.rebalance();
        this.shedKey = keys.rebalanceShed();
        this.controlChannel = keys.control();
    }

    @Override
    public synchronized RebalanceStatus start(String reason) {
        String id = UUID.randomUUID().toString().substring(0, 8);
        Instant now = clock.instant();
        RebalanceStatus running;
        try {
            running = new RebalanceStatus(id, "running", reason, registry.self(), now, null, 0,
                    counts(registry.nodes()), Map.of(), Map.of());
            List<Object> started = await(START.eval(commands(), new String[] {lockKey, statusKey, shedKey}, id,
                    Long.toString(settings.timeout().toMillis()), JSON.writeValueAsString(running)));
            if (((Number) started.getFirst()).longValue() == 0) {
                return status();
            }
        } catch (RuntimeException e) {
            return unreachable(e);
        }
        log.info("Rebalance {} started: {}", id, reason);
        scheduler.execute(() -> round(running, now.plus(settings.timeout())));
        return running;
    }

    @Override
    public RebalanceStatus status() {
        try {
            return read();
        } catch (RuntimeException e) {
            return unreachable(e);
        }
    }

    private RebalanceStatus read() {
        String json = await(commands().get(statusKey));
        if (json == null) {
            return RebalanceStatus.none("no rebalance has run");
        }
        RebalanceStatus status = JSON.readValue(json, RebalanceStatus.class);
        Map<String, Long> shed = shed();
        if (status.running() && !status.id().equals(await(commands().get(lockKey)))) {
            return finished(status, "abandoned", "the node running it went away", shed);
        }
        return status.running() ? withShed(status, shed) : status;
    }

    /** What a start or a status answers while Redis cannot be reached: whether one runs is not known. */
    private static RebalanceStatus unreachable(RuntimeException e) {
        log.warn("Rebalance: Redis cannot be reached: {}", e.toString());
        return RebalanceStatus.unknown("Redis cannot be reached: " + e.getMessage());
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
            if (!status.id().equals(await(commands().get(lockKey)))) {
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
            boolean farAbove = ready.values().stream().anyMatch(count -> count - mean > tolerance);
            boolean farBelow = ready.values().stream().anyMatch(count -> mean - count > tolerance);
            if (ready.size() < 2 || !farAbove && !farBelow) {
                end(status, "balanced", "every ready node is within " + Math.round(tolerance) + " of the mean "
                        + Math.round(mean), nodes);
                return;
            }
            // the nodes far above the mean shed their excess; if none is, but one is far below (clients
            // landed between heartbeats), every node above the mean does
            Map<String, Integer> excess = excess(ready, mean, farAbove ? tolerance : 0);
            if (excess.isEmpty()) {
                end(status, "balanced", "no ready node holds a whole connection above the mean " + Math.round(mean),
                        nodes);
                return;
            }
            excess.forEach((node, count) -> await(control.publish("shed " + status.id() + " " + node + " " + count)));
            RebalanceStatus next = withShed(new RebalanceStatus(status.id(), status.state(), status.reason(),
                    status.startedBy(), status.startedAt(), null, status.rounds() + 1, status.before(), Map.of(),
                    Map.of()), shed());
            save(next);
            long wait = settings.window().plus(jitter).plus(heartbeat.multipliedBy(2)).plus(LANDING).toMillis();
            scheduler.schedule(() -> round(next, deadline), wait, TimeUnit.MILLISECONDS);
        } catch (RuntimeException e) {
            log.warn("Rebalance {} failed: {}", status.id(), e.getMessage());
            commands().del(lockKey);
        }
    }

    /** Each node above the mean by more than {@code line} and by a whole connection or more: its excess over the mean. */
    private static Map<String, Integer> excess(Map<String, Integer> ready, double mean, double line) {
        Map<String, Integer> excess = new LinkedHashMap<>();
        ready.forEach((node, count) -> {
            if (count - mean > line && count - mean >= 1) {
                excess.put(node, (int) Math.floor(count - mean));
            }
        });
        return excess;
    }

    /** A control message (on Lettuce's thread): shed our share if it is addressed to us and we are ready. */
    private void onControl(String message) {
        String[] parts = message.split(" ");
        if (parts.length != 4 || !parts[0].equals("shed") || !parts[2].equals(registry.self())) {
            return;
        }
        int count = Integer.parseInt(parts[3]);
        ScheduledExecutorService thread = scheduler;
        if (thread != null) {
            thread.execute(() -> shed(parts[1], count));
        }
    }

    private synchronized void shed(String rebalance, int count) {
        if (registry.state() != NodeState.READY || (shedding != null && !shedding.done().isDone())) {
            return;
        }
        log.info("Rebalance {}: moving {} of {} connections to other nodes", rebalance, count, connections.count());
        Move move = connections.moveAway(new MovePlan(MovePlan.REBALANCE, count, settings.window(), 0, jitter));
        shedding = move;
        move.done().whenComplete((ok, error) -> scheduler.execute(() -> {
            try {
                await(commands().hincrby(shedKey, registry.self(), move.moved()));
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
        await(commands().del(lockKey));
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
        await(commands().hgetall(shedKey)).forEach((node, n) -> shed.put(node, Long.parseLong(n)));
        return shed;
    }

    private void save(RebalanceStatus status) {
        await(commands().set(statusKey, JSON.writeValueAsString(status)));
    }

    private static Map<String, Integer> counts(List<NodeView> nodes) {
        Map<String, Integer> counts = new LinkedHashMap<>();
        nodes.stream().filter(n -> n.state() == NodeState.READY).forEach(n -> counts.put(n.id(), n.connections()));
        return counts;
    }

    private RedisClusterAsyncCommands<String, String> commands() {
        return redis.commands();
    }

    private static <T> T await(CompletionStage<T> answer) {
        return RedisWait.await(answer.toCompletableFuture());
    }

    @Override
    public void start() {
        scheduler = thread.get();
        control = ControlChannel.subscribe(client, redis, controlChannel, this::onControl);
    }

    @Override
    public void stop() {
        control.close();
        scheduler.shutdownNow();
        scheduler = null;
        redis.close();
    }

    @Override
    public void close() {
        redis.close();
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
