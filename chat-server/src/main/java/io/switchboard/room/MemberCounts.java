package io.switchboard.room;

import io.switchboard.broker.Broker;
import io.switchboard.presence.Presence;
import io.switchboard.protocol.FrameCodec;
import io.switchboard.protocol.ServerFrame;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells large rooms their member count instead of each join and leave. A {@code presence} frame per
 * join would reach every member, so filling a room of n costs n² frames; here a room whose count
 * changed on this node gets one count frame per interval, whatever the number of joins and leaves.
 */
final class MemberCounts implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(MemberCounts.class);

    private final Presence presence;
    private final Broker broker;
    private final FrameCodec codec;
    private final Set<String> changed = ConcurrentHashMap.newKeySet();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().name("member-counts").daemon().factory());

    MemberCounts(Presence presence, Broker broker, FrameCodec codec, Duration interval) {
        this.presence = presence;
        this.broker = broker;
        this.codec = codec;
        long millis = Math.max(1, interval.toMillis());
        timer.scheduleWithFixedDelay(this::flush, millis, millis, TimeUnit.MILLISECONDS);
    }

    /** The room's membership changed; its count goes out with the next flush. */
    void changed(String room) {
        changed.add(room);
    }

    private void flush() {
        for (String room : changed) {
            changed.remove(room);
            presence.count(room)
                    .thenCompose(count -> broker.publishEvent(room, codec.encode(ServerFrame.MemberCount.of(room, count))))
                    .whenComplete((done, error) -> {
                        if (error != null) {
                            log.debug("Could not send {}'s member count: {}", room, error.toString());
                            changed.add(room);
                        }
                    });
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
