package io.switchboard.webhook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.switchboard.broker.Broker;
import io.switchboard.broker.PublishResult;
import io.switchboard.protocol.RoomEvent;
import io.switchboard.protocol.RoomEventType;
import io.switchboard.support.Unique;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The {@link EventFeed} guarantees, run over every implementation, with the events made the way a
 * node makes them: by its broker storing and deleting messages (the in-memory broker appends to
 * the feed, the Redis scripts to the room's stream). What differs is stated, not assumed: a room
 * put off with {@link EventFeed#later} is due again at once on a single node (nobody else could
 * take it), after the delay with Redis; both are within the delay's bound asserted here.
 */
abstract class EventFeedContractTests {

    /** The webhooks configured in every test. */
    static final List<String> WEBHOOKS = List.of("app", "audit");
    static final int DEAD_LETTERS = 3;

    protected Broker broker;
    protected EventFeed feed;

    /**
     * A fresh broker and feed on rooms of their own, the broker appending events of {@code wanted}
     * to the feed, which delivers to {@link #WEBHOOKS} and keeps {@link #DEAD_LETTERS} dead letters.
     */
    protected abstract void create(Set<RoomEventType> wanted);

    /** Closes what {@link #create} opened. */
    protected abstract void close();

    @AfterEach
    void closeFeed() {
        if (feed != null) {
            close();
        }
    }

    @Test
    void aRoomsMessagesAreItsEventsInOrderCountedFromOne() {
        create(EnumSet.allOf(RoomEventType.class));
        String room = Unique.name("room");
        PublishResult first = get(broker.publish(room, "m1", "{\"text\":\"one\"}", "ada"));
        get(broker.publish(room, "m2", "{\"text\":\"two\"}", "ada"));
        get(broker.publish(room, "m3", "{\"text\":\"three\"}", "bob"));

        assertThat(feed.claim(10)).containsExactly(room);
        List<RoomEvent> events = feed.read(room, "app", 10);
        assertThat(events).extracting(RoomEvent::type).containsOnly(RoomEventType.MESSAGE_CREATED);
        assertThat(events).extracting(RoomEvent::seq).containsExactly(1L, 2L, 3L);
        assertThat(events).extracting(RoomEvent::offset).containsExactly(1L, 2L, 3L);
        assertThat(events).extracting(RoomEvent::data)
                .containsExactly("{\"text\":\"one\"}", "{\"text\":\"two\"}", "{\"text\":\"three\"}");
        assertThat(events).allSatisfy(event -> {
            assertThat(event.room()).isEqualTo(room);
            assertThat(event.epoch()).isEqualTo(first.epoch());
        });
        assertThat(events).extracting(RoomEvent::id).doesNotHaveDuplicates();
        assertThat(feed.read(room, "app", 2)).as("at most max, oldest first").extracting(RoomEvent::seq)
                .containsExactly(1L, 2L);
    }

    @Test
    void eachWebhookHasItsOwnPlaceInTheRoomsEvents() {
        create(EnumSet.allOf(RoomEventType.class));
        String room = Unique.name("room");
        for (int i = 1; i <= 3; i++) {
            get(broker.publish(room, "m" + i, "{\"n\":" + i + "}", "ada"));
        }
        List<RoomEvent> events = feed.read(room, "app", 10);

        feed.advance(events.get(1), "app");
        assertThat(feed.read(room, "app", 10)).extracting(RoomEvent::seq).containsExactly(3L);
        assertThat(feed.read(room, "audit", 10)).as("another webhook's place").extracting(RoomEvent::seq)
                .containsExactly(1L, 2L, 3L);

        feed.advance(events.get(0), "app");
        assertThat(feed.read(room, "app", 10)).as("a place never goes back").extracting(RoomEvent::seq)
                .containsExactly(3L);

        feed.advance(events.get(2), "app");
        feed.advance(events.get(2), "audit");
        assertThat(feed.read(room, "app", 10)).isEmpty();
        assertThat(feed.read(room, "audit", 10)).isEmpty();
        get(broker.publish(room, "m4", "{\"n\":4}", "ada"));
        assertThat(feed.read(room, "audit", 10)).as("counting goes on after what all had is dropped")
                .extracting(RoomEvent::seq).containsExactly(4L);
    }

    @Test
    void aDeletedMessageIsAnEventWithItsOffsetAndNoBody() {
        create(EnumSet.allOf(RoomEventType.class));
        String room = Unique.name("room");
        get(broker.publish(room, "m1", "{\"text\":\"one\"}", "ada"));
        get(broker.publish(room, "m2", "{\"text\":\"two\"}", "ada"));
        get(broker.delete(room, 2, null));

        assertThat(feed.read(room, "app", 10)).last().satisfies(event -> {
            assertThat(event.type()).isEqualTo(RoomEventType.MESSAGE_DELETED);
            assertThat(event.seq()).isEqualTo(3);
            assertThat(event.offset()).isEqualTo(2);
            assertThat(event.data()).isNull();
        });
    }

    @Test
    void onlyTheEventsAWebhookWantsAreKept() {
        create(EnumSet.of(RoomEventType.MESSAGE_DELETED));
        String room = Unique.name("room");
        String quiet = Unique.name("quiet");
        get(broker.publish(room, "m1", "{\"text\":\"one\"}", "ada"));
        get(broker.publish(quiet, "m1", "{\"text\":\"one\"}", "ada"));
        get(broker.delete(room, 1, null));

        assertThat(feed.claim(10)).as("a room with no wanted event is not due").containsExactly(room);
        assertThat(feed.read(room, "app", 10)).extracting(RoomEvent::type)
                .containsExactly(RoomEventType.MESSAGE_DELETED);
        assertThat(feed.read(quiet, "app", 10)).isEmpty();
    }

    @Test
    void aHeldRoomIsHandedOutOnceAndAfterItsReleaseOnlyIfEventsCameMeanwhile() {
        create(EnumSet.allOf(RoomEventType.class));
        List<String> rooms = List.of(Unique.name("a"), Unique.name("b"), Unique.name("c"));
        for (String room : rooms) {
            get(broker.publish(room, "m1", "{}", "ada"));
        }

        List<String> claimed = feed.claim(2);
        assertThat(claimed).hasSize(2).isSubsetOf(rooms);
        List<String> rest = feed.claim(2);
        assertThat(rest).as("the third, and no held one again").hasSize(1).doesNotContainAnyElementsOf(claimed);
        assertThat(feed.claim(10)).as("every room is held").isEmpty();

        String busy = claimed.get(0);
        get(broker.publish(busy, "m2", "{}", "ada"));
        assertThat(feed.claim(10)).as("held, even with a new event").isEmpty();
        feed.renew(claimed);
        for (String room : rooms) {
            feed.release(room);
        }
        assertThat(feed.claim(10)).as("only the room that had an event while held").containsExactly(busy);
        feed.release(busy);
        assertThat(feed.claim(10)).isEmpty();
    }

    @Test
    void aRoomPutOffIsDueAgainWithinTheDelay() {
        create(EnumSet.allOf(RoomEventType.class));
        String room = Unique.name("room");
        get(broker.publish(room, "m1", "{}", "ada"));
        assertThat(feed.claim(10)).containsExactly(room);

        feed.later(room, Duration.ofMillis(300));
        await("due again").atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50))
                .until(() -> feed.claim(10), claimed -> claimed.contains(room));
        assertThat(feed.read(room, "app", 10)).as("nothing delivered, nothing lost").hasSize(1);
    }

    @Test
    void aRoomMarkedDueWithItsEventNeedsNoSweep() {
        create(EnumSet.allOf(RoomEventType.class));
        String room = Unique.name("room");
        get(broker.publish(room, "m1", "{}", "ada"));

        assertThat(feed.sweep(Duration.ofSeconds(1))).as("one Redis (or one node) marks the room in the same step")
                .isZero();
        assertThat(feed.claim(10)).containsExactly(room);
    }

    @Test
    void keepsTheNewestDeadLettersOldestFirstAndForgetsAReplayedOne() {
        create(EnumSet.allOf(RoomEventType.class));
        assertThat(feed.deadLetters("app", 10)).isEmpty();
        for (int i = 1; i <= DEAD_LETTERS + 1; i++) {
            feed.park("app", new DeadLetter(null, "lobby", "{\"n\":" + i + "}", "HTTP 500", 0));
        }
        feed.park("audit", new DeadLetter(null, "lobby", "{\"n\":9}", "timed out", 0));

        List<DeadLetter> letters = feed.deadLetters("app", 10);
        assertThat(letters).as("at most the cap, the oldest dropped").extracting(DeadLetter::event)
                .containsExactly("{\"n\":2}", "{\"n\":3}", "{\"n\":4}");
        assertThat(letters).allSatisfy(letter -> {
            assertThat(letter.id()).isNotBlank();
            assertThat(letter.room()).isEqualTo("lobby");
            assertThat(letter.error()).isEqualTo("HTTP 500");
            assertThat(letter.parkedAt()).isPositive();
        });
        assertThat(feed.deadLetters("app", 1)).extracting(DeadLetter::event).containsExactly("{\"n\":2}");

        assertThat(feed.forget("app", letters.get(1).id())).isTrue();
        assertThat(feed.forget("app", letters.get(1).id())).as("gone already").isFalse();
        assertThat(feed.deadLetters("app", 10)).extracting(DeadLetter::event).containsExactly("{\"n\":2}", "{\"n\":4}");
        assertThat(feed.deadLetters("audit", 10)).extracting(DeadLetter::error).containsExactly("timed out");
    }

    private static <T> T get(Future<T> future) {
        try {
            return future.get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
