package io.switchboard.presence;

import io.micrometer.core.instrument.MeterRegistry;
import io.switchboard.broker.Broker;
import io.switchboard.config.LifecyclePhases;
import io.switchboard.config.NamedThreads;
import io.switchboard.protocol.EventKind;
import io.switchboard.protocol.FrameCodec;
import io.switchboard.protocol.Member;
import io.switchboard.protocol.ServerFrame;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

/**
 * Tells a room who came and who went: the one place that holds the presence rule. A room no larger
 * than the list limit ({@code switchboard.presence.list-limit}), the member counted in, gets a
 * {@code presence join} or {@code presence leave} per member; a larger room gets its member count
 * instead, at most once per {@code switchboard.presence.count-interval} however many joined and
 * left: a {@code presence} frame per join would reach every member, so filling a room of n would
 * cost n² frames.
 *
 * <p>Within the limit, the joins and leaves of a room on this node are gathered for
 * {@code switchboard.presence.batch-interval} and relayed as one frame: a single change in the
 * form above, several as one {@code presence batch}, on the same beat on every node; the frames of
 * one beat, every node's, reach a member as one ({@link #arrived}). A storm of reconnects fills
 * its rooms with a frame per member per interval instead of one per member per join, or one per
 * node of the room per interval.
 *
 * <p>Whoever learns of a change tells it here: the room layer for its own members' joins and
 * leaves, the presence store for entries that expired unrefreshed, the reaper for a dead node's
 * members. Nothing here blocks: frames are relayed through the broker, and a count is read from
 * presence when the interval comes (on its own thread, {@code member-counts}), so each count frame
 * carries the count of that moment on every node.
 */
public final class Announcer implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(Announcer.class);

    private final Broker broker;
    private final Presence presence;
    private final FrameCodec codec;
    private final int listLimit;
    private final Duration countInterval;
    private final Duration batchInterval;
    private final MeterRegistry meters;
    /** Joins and leaves not relayed yet, by room; any thread adds, the timer takes (and stop, the rest). */
    private final ConcurrentHashMap<String, Changes> pending = new ConcurrentHashMap<>();
    /** Rooms whose count changed since the last flush; any thread adds, the timer removes. */
    private final Set<String> changed = ConcurrentHashMap.newKeySet();
    private volatile ScheduledExecutorService timer;
    /** Presence frames arrived from the broker and not given to this node's members yet, by room. */
    private final ConcurrentHashMap<String, Arrivals> arriving = new ConcurrentHashMap<>();
    /** How long a room's arriving presence frames wait for the other nodes' of the same beat: a tenth of the batch interval. */
    private final Duration mergeWindow;

    public Announcer(Broker broker, Presence presence, FrameCodec codec, int listLimit, Duration countInterval,
                     Duration batchInterval, MeterRegistry meters) {
        this.broker = broker;
        this.presence = presence;
        this.codec = codec;
        this.listLimit = listLimit;
        this.countInterval = countInterval;
        this.batchInterval = batchInterval;
        this.mergeWindow = batchInterval.dividedBy(10);
        this.meters = meters;
    }

    /** {@code member} joined {@code room}, which has {@code count} members now, it included. */
    public void joined(String room, Member member, int count) {
        if (count > listLimit) {
            changed.add(room);
        } else if (batchInterval.isZero()) {
            relay(room, List.of(member), List.of());
        } else {
            pending.compute(room, (r, changes) -> (changes == null ? new Changes() : changes).join(member));
        }
    }

    /** {@code members} left {@code room}, which has {@code remaining} members now. */
    public void left(String room, List<Member> members, int remaining) {
        if (remaining + members.size() > listLimit) {
            changed.add(room);
        } else if (batchInterval.isZero()) {
            members.forEach(member -> relay(room, List.of(), List.of(member)));
        } else {
            pending.compute(room, (r, changes) -> {
                Changes updated = changes == null ? new Changes() : changes;
                members.forEach(updated::leave);
                return updated;
            });
        }
    }

    /** Relays what each room gathered since the last time (the timer runs it, and stop). */
    public void flushChanges() {
        for (String room : pending.keySet()) {
            Changes changes = pending.remove(room);
            if (changes != null) {
                relay(room, List.copyOf(changes.joins.values()), List.copyOf(changes.leaves.values()));
            }
        }
    }

    /** One change as its own frame, several as a batch: clients that know only the single form still read the usual case. */
    private static ServerFrame frame(String room, List<Member> joins, List<Member> leaves) {
        if (joins.size() + leaves.size() == 1) {
            return joins.isEmpty() ? new ServerFrame.Presence(room, "leave", leaves.getFirst())
                    : new ServerFrame.Presence(room, "join", joins.getFirst());
        }
        return ServerFrame.PresenceBatch.of(room, joins, leaves);
    }

    private void relay(String room, List<Member> joins, List<Member> leaves) {
        broker.publishEvent(room, EventKind.PRESENCE, codec.encode(frame(room, joins, leaves))).whenComplete((done, error) -> {
            if (error != null) {
                log.debug("Could not relay {} joins and {} leaves in {}: {}", joins.size(), leaves.size(), room,
                        error.toString());
            }
        });
    }

    /**
     * A room's joins and leaves since the last relay, by member id, changed only inside
     * {@code pending.compute} (so never after the timer took it). Clients add the joins, then remove
     * the leaves: a member who joined and left again is in both (another member may have seen it
     * in a {@code joined} list meanwhile), one who left and came back only among the joins.
     */
    private static final class Changes {
        private final Map<String, Member> joins = new LinkedHashMap<>();
        private final Map<String, Member> leaves = new LinkedHashMap<>();

        Changes join(Member member) {
            leaves.remove(member.id());
            joins.put(member.id(), member);
            return this;
        }

        Changes leave(Member member) {
            leaves.put(member.id(), member);
            return this;
        }
    }

    /**
     * A room's {@code presence} frame as the broker brought it (any node's relay, this node's own
     * included); {@code deliver} gives frames to this node's members of the room. While batches are
     * on, the frames of a room that arrive within {@link #mergeWindow} of the first go to the members
     * as one: every node relays its batches on the same beat, so with n nodes a member gets one
     * frame per interval instead of n, each a write of its own (docs/benchmarks.md, "Presence of one
     * beat as one frame"). A member count, or anything else, is not merged: such a
     * window's frames go as they came, in order.
     */
    public void arrived(String room, String frame, Consumer<String> deliver) {
        ScheduledExecutorService running = timer;
        if (running == null || batchInterval.isZero()) {
            deliver.accept(frame);
            return;
        }
        boolean[] first = {false};
        arriving.compute(room, (r, arrivals) -> {
            Arrivals updated = arrivals;
            if (updated == null) {
                updated = new Arrivals(deliver);
                first[0] = true;
            }
            updated.frames.add(frame);
            return updated;
        });
        if (first[0]) {
            try {
                running.schedule(() -> deliverArrivals(room), mergeWindow.toMillis(), TimeUnit.MILLISECONDS);
            } catch (RejectedExecutionException stopping) {
                deliverArrivals(room);
            }
        }
    }

    private void deliverArrivals(String room) {
        Arrivals arrivals = arriving.remove(room);
        if (arrivals == null) {
            return;
        }
        try {
            merged(room, arrivals.frames).forEach(arrivals.deliver);
        } catch (RuntimeException e) { // never the timer's end
            log.warn("Could not give {} its presence frames", room, e);
        }
    }

    /**
     * The frames as one when each is a join, leave or batch; else as they are (a member count, or
     * a frame this node cannot read: one from a newer version in a rolling upgrade, say).
     */
    private List<String> merged(String room, List<String> frames) {
        if (frames.size() == 1) {
            return frames;
        }
        Changes changes = new Changes();
        for (String frame : frames) {
            ServerFrame.PresenceBatch batch;
            try {
                batch = codec.decodePresence(frame);
            } catch (RuntimeException unreadable) {
                batch = null;
            }
            if (batch == null) {
                return frames;
            }
            batch.joins().forEach(changes::join);
            batch.leaves().forEach(changes::leave);
        }
        return List.of(codec.encode(frame(room, List.copyOf(changes.joins.values()),
                List.copyOf(changes.leaves.values()))));
    }

    /** The presence frames of a room arrived within its window, and who gives them to its members. */
    private record Arrivals(Consumer<String> deliver, List<String> frames) {
        Arrivals(Consumer<String> deliver) {
            this(deliver, new ArrayList<>(2));
        }
    }

    /** Relays the count of every room whose count changed since the last flush (the timer runs it). */
    void flush() {
        for (String room : changed) {
            changed.remove(room);
            presence.count(room)
                    .thenCompose(count -> broker.publishEvent(room, EventKind.PRESENCE,
                            codec.encode(ServerFrame.MemberCount.of(room, count))))
                    .whenComplete((done, error) -> {
                        if (error != null) {
                            log.debug("Could not send {}'s member count: {}", room, error.toString());
                            changed.add(room);
                        }
                    });
        }
    }

    @Override
    public void start() {
        ScheduledExecutorService started = NamedThreads.scheduled("member-counts", meters);
        long millis = Math.max(1, countInterval.toMillis());
        started.scheduleWithFixedDelay(this::flush, millis, millis, TimeUnit.MILLISECONDS);
        timer = started;
        if (!batchInterval.isZero()) {
            onTheBeat(started);
        }
    }

    /**
     * Schedules the next relay of the gathered changes at the next multiple of the batch interval
     * on the wall clock, the same instant on every node (their clocks as close as NTP keeps them):
     * the batches of a room's nodes arrive together and reach its members as one ({@link #arrived}).
     */
    private void onTheBeat(ScheduledExecutorService running) {
        long millis = Math.max(1, batchInterval.toMillis());
        try {
            running.schedule(() -> {
                try {
                    flushChanges();
                } finally {
                    onTheBeat(running);
                }
            }, millis - System.currentTimeMillis() % millis, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException stopped) {
            // stop() relays what is left
        }
    }

    @Override
    public void stop() {
        ScheduledExecutorService stopping = timer;
        timer = null;
        if (stopping != null) {
            stopping.shutdownNow();
        }
        flushChanges(); // the last leaves of a node going away still reach the others
        arriving.keySet().forEach(this::deliverArrivals);
    }

    @Override
    public boolean isRunning() {
        return timer != null;
    }

    /** Stops with presence: after the rooms announced their last leaves. */
    @Override
    public int getPhase() {
        return LifecyclePhases.PRESENCE;
    }
}
