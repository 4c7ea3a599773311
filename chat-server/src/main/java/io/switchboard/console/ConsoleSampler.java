package io.switchboard.console;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.switchboard.cluster.NodeListener;
import io.switchboard.cluster.NodeRegistry;
import io.switchboard.config.LifecyclePhases;
import io.switchboard.config.NamedThreads;
import io.switchboard.drain.DrainEndpoint;
import io.switchboard.drain.DrainStatus;
import io.switchboard.rebalance.RebalanceStatus;
import io.switchboard.rebalance.Rebalancer;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import tools.jackson.databind.json.JsonMapper;

/**
 * Once a second, writes this node's sample for the console ({@link ConsoleStore}): its state, its
 * connections and rooms, the running totals of deliveries, stored messages and opened connections
 * (the console turns them into rates), and its drain's progress; read from the node's own metrics,
 * so the layers below know nothing of the console. It also records the events the console lists:
 * this node joining, a node dying (told once, by the node that removed it), this node's drains
 * starting, finishing and being cancelled, and the rounds of a rebalance this node runs.
 */
final class ConsoleSampler implements SmartLifecycle, NodeListener {

    private static final Logger log = LoggerFactory.getLogger(ConsoleSampler.class);
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final long EVERY_MILLIS = 1000;

    private final ConsoleStore store;
    private final NodeRegistry registry;
    private final DrainEndpoint drain;
    private final Rebalancer rebalancer;
    private final MeterRegistry meters;
    private ScheduledExecutorService thread;
    private volatile boolean running;
    /** What the last sample saw: to tell what changed. */
    private String drainState = "idle";
    private RebalanceStatus rebalance;
    private volatile boolean registeredBefore;

    ConsoleSampler(ConsoleStore store, NodeRegistry registry, DrainEndpoint drain, Rebalancer rebalancer,
                   MeterRegistry meters) {
        this.store = store;
        this.registry = registry;
        this.drain = drain;
        this.rebalancer = rebalancer;
        this.meters = meters;
    }

    private void sample() {
        try {
            long now = System.currentTimeMillis();
            DrainStatus drained = drain.status();
            Map<String, Object> sample = new LinkedHashMap<>();
            sample.put("t", now);
            sample.put("state", registry.state().wire());
            sample.put("c", (long) gauge("switchboard.connections"));
            sample.put("r", (long) gauge("switchboard.rooms"));
            sample.put("d", (long) counter("switchboard.messages.delivered"));
            sample.put("p", (long) counter("switchboard.messages.published"));
            sample.put("o", (long) counter("switchboard.connections.opened"));
            if (!"idle".equals(drained.state())) {
                sample.put("drain", drained);
            }
            store.sample(registry.self(), now, JSON.writeValueAsString(sample));
            drainEvents(now, drained);
            rebalanceEvents(now);
        } catch (RuntimeException e) {
            log.debug("Console sample failed: {}", e.toString());
        }
    }

    private void drainEvents(long now, DrainStatus status) {
        String state = status.state();
        if (state.equals(drainState)) {
            return;
        }
        String self = registry.self();
        if ("idle".equals(drainState)) {
            store.event(new ConsoleEvent(now, "drain started", self, status.reason() + ": "
                    + (status.sessionsLeft() == null ? 0 : status.sessionsLeft()) + " connections to move"
                    + (status.window() == null ? "" : " over " + status.window().toSeconds() + " s")));
        }
        if ("drained".equals(state)) {
            store.event(new ConsoleEvent(now, "drain finished", self,
                    (status.moved() == null ? 0 : status.moved()) + " connections moved"));
        } else if ("idle".equals(state)) {
            store.event(new ConsoleEvent(now, "drain cancelled", self, ""));
        }
        drainState = state;
    }

    /** The rounds of a rebalance this node runs, told by this node only. */
    private void rebalanceEvents(long now) {
        if (!registry.rebalancing() && (rebalance == null || !"running".equals(rebalance.state()))) {
            return;
        }
        RebalanceStatus status = rebalancer.status();
        RebalanceStatus before = rebalance;
        rebalance = status;
        if (status == null || status.id() == null || !registry.self().equals(status.startedBy())) {
            return;
        }
        boolean same = before != null && status.id().equals(before.id());
        if (!same) {
            store.event(new ConsoleEvent(now, "rebalance started", status.startedBy(), status.reason()));
        }
        if (status.rounds() > (same ? before.rounds() : 0)) {
            store.event(new ConsoleEvent(now, "rebalance round", status.startedBy(), "round " + status.rounds()));
        }
        if (!"running".equals(status.state())) {
            store.event(new ConsoleEvent(now, "rebalance ended", status.startedBy(), status.state()
                    + (status.reason() == null ? "" : ": " + status.reason())));
        }
    }

    private double gauge(String name) {
        Gauge gauge = meters.find(name).gauge();
        return gauge == null ? 0 : gauge.value();
    }

    private double counter(String name) {
        return meters.find(name).counters().stream().mapToDouble(Counter::count).sum();
    }

    /** The registry wrote this node's entry anew: its first heartbeat (told at start), or Redis lost its data. */
    @Override
    public void registered() {
        if (registeredBefore) {
            store.event(new ConsoleEvent(System.currentTimeMillis(), "node joined", registry.self(),
                    "registered again (the registry had lost its entry)"));
        }
        registeredBefore = true;
    }

    @Override
    public void nodeDied(String node) {
        store.event(new ConsoleEvent(System.currentTimeMillis(), "node died", node, "its heartbeats stopped"));
    }

    @Override
    public void start() {
        store.event(new ConsoleEvent(System.currentTimeMillis(), "node joined", registry.self(), ""));
        registry.addListener(this);
        thread = NamedThreads.scheduled("console-samples", meters);
        thread.scheduleWithFixedDelay(this::sample, 0, EVERY_MILLIS, TimeUnit.MILLISECONDS);
        running = true;
    }

    @Override
    public void stop() {
        running = false;
        if (thread != null) {
            thread.shutdownNow();
        }
        store.close(); // before Spring's Redis connection factory stops
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    @Override
    public int getPhase() {
        return LifecyclePhases.CONSOLE;
    }
}
