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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
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
 * form above, several as one {@code presence batch}. A storm of reconnects fills its rooms with a
 * frame per member per interval instead of one per member per join.
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

    public Announcer(Broker broker, Presence presence, FrameCodec codec, int listLimit, Duration countInterval,
                     Duration batchInterval, MeterRegistry meters) {
        this.broker = broker;
        this.presence = presence;
        this.codec = codec;
        this.listLimit = listLimit;
        this.countInterval = countInterval;
        this.batchInterval = batchInterval;
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
    private void relay(String room, List<Member> joins, List<Member> leaves) {
        ServerFrame frame;
        if (joins.size() + leaves.size() == 1) {
            frame = joins.isEmpty() ? new ServerFrame.Presence(room, "leave", leaves.getFirst())
                    : new ServerFrame.Presence(room, "join", joins.getFirst());
        } else {
            frame = ServerFrame.PresenceBatch.of(room, joins, leaves);
        }
        broker.publishEvent(room, EventKind.PRESENCE, codec.encode(frame)).whenComplete((done, error) -> {
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
        if (!batchInterval.isZero()) {
            long batchMillis = Math.max(1, batchInterval.toMillis());
            started.scheduleWithFixedDelay(this::flushChanges, batchMillis, batchMillis, TimeUnit.MILLISECONDS);
        }
        timer = started;
    }

    @Override
    public void stop() {
        ScheduledExecutorService stopping = timer;
        timer = null;
        if (stopping != null) {
            stopping.shutdownNow();
        }
        flushChanges(); // the last leaves of a node going away still reach the others
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
