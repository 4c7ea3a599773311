package io.switchboard.room;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/** What the room layer counts (docs/operations.md, "Metrics"): every meter registered once, up front. */
final class RoomMetrics {

    final AtomicInteger rooms = new AtomicInteger();
    final Counter joined;
    final Counter joinsFailed;
    final Counter published;
    final Counter delivered;
    final Counter gaps;
    final Counter refusedJoins;
    final Counter refusedPublications;
    final Counter refusedTyping;
    private final Timer fanOutLatency;

    RoomMetrics(MeterRegistry meters) {
        Gauge.builder("switchboard.rooms", rooms, AtomicInteger::get)
                .description("rooms with a local member or a join in flight").register(meters);
        joined = Counter.builder("switchboard.joins").tag("result", "ok").description("joins answered").register(meters);
        joinsFailed = Counter.builder("switchboard.joins").tag("result", "error").description("joins answered")
                .register(meters);
        published = Counter.builder("switchboard.messages.published")
                .description("messages stored through this node (duplicates excluded)").register(meters);
        delivered = Counter.builder("switchboard.messages.delivered")
                .description("message frames queued to local members").register(meters);
        refusedJoins = refused("join", meters);
        refusedPublications = refused("publication", meters);
        refusedTyping = refused("typing", meters);
        gaps = Counter.builder("switchboard.gaps")
                .description("gaps in a room's offsets that could not be repaired from the log (members were told)")
                .register(meters);
        fanOutLatency = Timer.builder("switchboard.fanout.latency")
                .description("from a message's acceptance on one node to its hand-off to this node's members")
                .publishPercentileHistogram().register(meters);
    }

    private static Counter refused(String work, MeterRegistry meters) {
        return Counter.builder("switchboard.lane.refused").tag("work", work)
                .description("room work refused because its lane was full (joins answered overloaded, "
                        + "publications caught up from the log, typing dropped)").register(meters);
    }

    /** A message accepted at {@code acceptedAt} (epoch ms; 0 if unknown) was handed to this node's members. */
    void fannedOut(long acceptedAt) {
        if (acceptedAt > 0) {
            fanOutLatency.record(Math.max(0, System.currentTimeMillis() - acceptedAt), TimeUnit.MILLISECONDS);
        }
    }
}
