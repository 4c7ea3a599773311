package io.switchboard.room;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.switchboard.broker.Broker;
import io.switchboard.presence.Announcer;
import io.switchboard.presence.Presence;
import io.switchboard.protocol.FrameCodec;
import java.time.Duration;

/** A node's room layer as the application wires it: rooms and their announcer, started; closed together. */
final class StartedRooms implements AutoCloseable {

    /** The default of {@code switchboard.presence.batch-interval}. */
    static final Duration BATCH_INTERVAL = Duration.ofMillis(250);

    final Rooms rooms;
    private final Announcer announcer;

    StartedRooms(Broker broker, Presence presence, RoomSettings settings, int listLimit, Duration countInterval) {
        FrameCodec codec = new FrameCodec(100);
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        announcer = new Announcer(broker, presence, codec, listLimit, countInterval, BATCH_INTERVAL, meters);
        rooms = new Rooms(broker, presence, announcer, codec, settings, meters);
        announcer.start();
        rooms.start();
    }

    /** Two lanes of a thousand, max-replay 100, list limit 100. */
    StartedRooms(Broker broker, Presence presence) {
        this(broker, presence, new RoomSettings(100, 2, 1000), 100, Duration.ofSeconds(1));
    }

    /** Relays the joins and leaves gathered so far without waiting for the batch interval. */
    void flushPresence() {
        announcer.flushChanges();
    }

    @Override
    public void close() {
        rooms.close();
        announcer.stop();
    }
}
