package io.switchboard.webhook;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.switchboard.broker.InMemoryBroker;
import io.switchboard.protocol.RoomEventType;
import java.time.Clock;
import java.time.Duration;
import java.util.Set;

/** The events of a single node: a queue in its memory, filled by its broker. */
class InMemoryEventFeedTests extends EventFeedContractTests {

    @Override
    protected void create(Set<RoomEventType> wanted) {
        InMemoryEventFeed events = new InMemoryEventFeed(wanted, WEBHOOKS, 1000, DEAD_LETTERS, new SimpleMeterRegistry());
        feed = events;
        broker = new InMemoryBroker(100, Duration.ofMinutes(1), Duration.ofDays(1), Duration.ofDays(1), 1000,
                Clock.systemUTC(), events);
    }

    @Override
    protected void close() {
        feed.close();
    }
}
