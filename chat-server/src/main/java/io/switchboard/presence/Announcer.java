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
import java.util.List;
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
    private final MeterRegistry meters;
    /** Rooms whose count changed since the last flush; any thread adds, the timer removes. */
    private final Set<String> changed = ConcurrentHashMap.newKeySet();
    private volatile ScheduledExecutorService timer;

    public Announcer(Broker broker, Presence presence, FrameCodec codec, int listLimit, Duration countInterval,
                     MeterRegistry meters) {
        this.broker = broker;
        this.presence = presence;
        this.codec = codec;
        this.listLimit = listLimit;
        this.countInterval = countInterval;
        this.meters = meters;
    }

    /** {@code member} joined {@code room}, which has {@code count} members now, it included. */
    public void joined(String room, Member member, int count) {
        if (count <= listLimit) {
            relay(room, new ServerFrame.Presence(room, "join", member));
        } else {
            changed.add(room);
        }
    }

    /** {@code members} left {@code room}, which has {@code remaining} members now. */
    public void left(String room, List<Member> members, int remaining) {
        if (remaining + members.size() <= listLimit) {
            members.forEach(member -> relay(room, new ServerFrame.Presence(room, "leave", member)));
        } else {
            changed.add(room);
        }
    }

    private void relay(String room, ServerFrame.Presence frame) {
        broker.publishEvent(room, EventKind.PRESENCE, codec.encode(frame)).whenComplete((done, error) -> {
            if (error != null) {
                log.debug("Could not relay the presence {} of {} in {}: {}", frame.action(), frame.member().id(), room,
                        error.toString());
            }
        });
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
    }

    @Override
    public void stop() {
        ScheduledExecutorService stopping = timer;
        timer = null;
        if (stopping != null) {
            stopping.shutdownNow();
        }
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
