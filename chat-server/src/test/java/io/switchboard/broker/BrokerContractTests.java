package io.switchboard.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.switchboard.protocol.EventKind;
import io.switchboard.protocol.StoredMessage;
import io.switchboard.support.Unique;
import java.time.Duration;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The {@link Broker} guarantees, run over every implementation. */
abstract class BrokerContractTests {

    static final int HISTORY_SIZE = 200;

    protected Broker broker;
    protected final Queue<String> received = new ConcurrentLinkedQueue<>();
    protected String room;

    /** A fresh broker with a log of {@link #HISTORY_SIZE} per room; rooms must not leak between tests. */
    protected Broker createBroker() {
        return createBroker(Duration.ofDays(1));
    }

    /** The same, keeping a room's log and position {@code retention} after its last message. */
    protected abstract Broker createBroker(Duration retention);

    @BeforeEach
    void setUpBroker() {
        broker = createBroker();
        broker.setHandler(new BrokerEventHandler() {
            @Override
            public void onPublication(String r, String epoch, StoredMessage message) {
                received.add(r + "|" + epoch + "|" + message.offset() + "|" + message.body());
            }

            @Override
            public void onEvent(String r, EventKind kind, String frame) {
                received.add(r + "|" + kind + "|" + frame);
            }

            @Override
            public void onSubscribed(String r) {
            }
        });
        room = Unique.name("room");
    }

    protected static <T> T get(java.util.concurrent.Future<T> future) {
        try {
            return future.get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private PublishResult publish(String r, String clientMsgId, String body) {
        return get(broker.publish(r, clientMsgId, body));
    }

    @Test
    void assignsDenseOffsetsFromOneUnderOneEpoch() {
        PublishResult first = publish(room, "a", "{\"n\":1}");
        PublishResult second = publish(room, "b", "{\"n\":2}");
        PublishResult third = publish(room, "c", "{\"n\":3}");

        assertThat(List.of(first.offset(), second.offset(), third.offset())).containsExactly(1L, 2L, 3L);
        assertThat(second.epoch()).isEqualTo(first.epoch()).isEqualTo(third.epoch()).isNotBlank();
        assertThat(first.duplicate()).isFalse();
    }

    @Test
    void storesARetriedClientMsgIdOnce() {
        PublishResult original = publish(room, "same", "{\"n\":1}");
        PublishResult retry = publish(room, "same", "{\"n\":1}");
        publish(room, "other", "{\"n\":2}");

        assertThat(retry.duplicate()).isTrue();
        assertThat(retry.offset()).isEqualTo(original.offset());
        assertThat(get(broker.since(room, 0, 10)).messages()).extracting(StoredMessage::offset).containsExactly(1L, 2L);
    }

    @Test
    void listsEveryRoomThatExistsPageByPageAndRefusesACursorItDidNotMake() {
        java.util.Set<String> rooms = new java.util.TreeSet<>();
        for (int i = 0; i < 5; i++) {
            rooms.add(room + "-" + i);
            publish(room + "-" + i, "m", "{\"n\":1}");
        }
        java.util.Set<String> listed = new java.util.TreeSet<>();
        String cursor = null;
        int pages = 0;
        do {
            RoomPage page = get(broker.rooms(cursor, 2));
            listed.addAll(page.rooms());
            cursor = page.next();
        } while (cursor != null && ++pages < 10_000);
        assertThat(listed).containsAll(rooms);
        assertThat(broker.rooms("not-a-cursor", 2)).failsWithin(java.time.Duration.ofSeconds(10))
                .withThrowableThat().withCauseInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void keepsRoomsApart() {
        String other = room + "-other";
        publish(room, "a", "{\"n\":1}");
        PublishResult inOther = publish(other, "a", "{\"n\":9}");

        assertThat(inOther.offset()).isEqualTo(1);
        assertThat(inOther.duplicate()).isFalse();
        assertThat(get(broker.since(other, 0, 10)).messages()).extracting(StoredMessage::body).containsExactly("{\"n\":9}");
    }

    @Test
    void readsTheLogSinceAnOffsetOldestFirst() {
        for (int i = 1; i <= 10; i++) {
            publish(room, "m" + i, "{\"n\":" + i + "}");
        }
        HistoryPage page = get(broker.since(room, 6, 100));

        assertThat(page.messages()).extracting(StoredMessage::offset).containsExactly(7L, 8L, 9L, 10L);
        assertThat(page.messages().getFirst().body()).isEqualTo("{\"n\":7}");
        assertThat(page.offset()).isEqualTo(10);
        assertThat(page.firstOffset()).isEqualTo(1);
        assertThat(get(broker.since(room, 0, 3)).messages()).extracting(StoredMessage::offset).containsExactly(1L, 2L, 3L);
    }

    @Test
    void pagesBackwardsBeforeAnOffset() {
        for (int i = 1; i <= 10; i++) {
            publish(room, "m" + i, "{\"n\":" + i + "}");
        }
        assertThat(get(broker.before(room, 0, 3)).messages()).extracting(StoredMessage::offset).containsExactly(8L, 9L, 10L);
        assertThat(get(broker.before(room, 8, 3)).messages()).extracting(StoredMessage::offset).containsExactly(5L, 6L, 7L);
        assertThat(get(broker.before(room, 3, 50)).messages()).extracting(StoredMessage::offset).containsExactly(1L, 2L);
    }

    @Test
    void reportsAnEmptyRoomsPositionWithAStableEpoch() {
        HistoryPage empty = get(broker.since(room, 0, 0));
        PublishResult first = publish(room, "a", "{}");

        assertThat(empty.offset()).isZero();
        assertThat(empty.firstOffset()).isEqualTo(1);
        assertThat(empty.messages()).isEmpty();
        assertThat(first.epoch()).isEqualTo(empty.epoch());
    }

    @Test
    void capsTheLogAndSaysWhereItStarts() {
        int total = HISTORY_SIZE * 3;
        for (int i = 1; i <= total; i++) {
            publish(room, "m" + i, "{\"n\":" + i + "}");
        }
        HistoryPage page = get(broker.since(room, 0, total));

        assertThat(page.firstOffset()).isGreaterThan(1).isLessThanOrEqualTo(total - HISTORY_SIZE + 1);
        assertThat(page.messages().getFirst().offset()).isEqualTo(page.firstOffset());
        assertThat(page.messages().getLast().offset()).isEqualTo(total);
        assertThat(page.messages().size()).isLessThan(total);
    }

    @Test
    void deliversToSubscribersInOffsetOrder() {
        get(broker.subscribe(room));
        PublishResult last = null;
        for (int i = 1; i <= 50; i++) {
            last = publish(room, "m" + i, "{\"n\":" + i + "}");
        }
        String epoch = last.epoch();
        await("50 publications").atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(25))
                .until(() -> received.size() >= 50);

        List<String> expected = new java.util.ArrayList<>();
        for (int i = 1; i <= 50; i++) {
            expected.add(room + "|" + epoch + "|" + i + "|{\"n\":" + i + "}");
        }
        assertThat(received).containsExactlyElementsOf(expected);
    }

    @Test
    void relaysEventsOfEachKindWithoutStoringThem() {
        get(broker.subscribe(room));
        get(broker.publishEvent(room, EventKind.TYPING, "{\"type\":\"typing\",\"room\":\"r\"}"));
        get(broker.publishEvent(room, EventKind.PRESENCE, "{\"type\":\"presence\",\"room\":\"r\"}"));
        await("the events").atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(25)).until(() -> received.size() >= 2);

        assertThat(received).containsExactly(room + "|TYPING|{\"type\":\"typing\",\"room\":\"r\"}",
                room + "|PRESENCE|{\"type\":\"presence\",\"room\":\"r\"}");
        assertThat(get(broker.since(room, 0, 10)).messages()).isEmpty();
    }

    @Test
    void deliversNothingForRoomsNotSubscribed() {
        String other = room + "-other";
        get(broker.subscribe(other));
        get(broker.subscribe(room));
        get(broker.unsubscribe(room));
        publish(room, "a", "{}");
        publish(other, "b", "{}");
        // the end marker: the room subscribed again and a later publication of it, which reaches the
        // subscriber after "a" would have (a room's publications come in order)
        get(broker.subscribe(room));
        publish(room, "end", "{\"end\":true}");
        await("the end marker and the other room's publication").atMost(Duration.ofSeconds(10))
                .pollInterval(Duration.ofMillis(25))
                .until(() -> received.stream().anyMatch(line -> line.startsWith(room + "|") && line.endsWith("{\"end\":true}"))
                        && received.stream().anyMatch(line -> line.startsWith(other + "|")));

        assertThat(received).filteredOn(line -> line.startsWith(room + "|")).singleElement().asString()
                .endsWith("|2|{\"end\":true}");
        assertThat(received).hasSize(2);
    }

    @Test
    void forgetsARoomNotWrittenWithinTheRetention() {
        Broker shortLived = createBroker(Duration.ofSeconds(1));
        PublishResult first = get(shortLived.publish(room, "a", "{}"));
        assertThat(get(shortLived.since(room, 0, 10)).epoch()).isEqualTo(first.epoch());

        await("the room's log and position expired").atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(25))
                .until(() -> !get(shortLived.since(room, 0, 10)).epoch().equals(first.epoch()));
        PublishResult next = get(shortLived.publish(room, "b", "{}"));
        assertThat(next.epoch()).isNotEqualTo(first.epoch());
        assertThat(next.offset()).isEqualTo(1);
        assertThat(get(shortLived.since(room, 0, 10)).messages()).hasSize(1);
    }

    @Test
    void aBannedUserIsRefusedOnJoinAndSendUntilTheBanIsLiftedOrEnds() {
        assertThat(get(broker.bans(room))).as("none yet").isEmpty();
        publish(room, "a", "{\"n\":1}");
        get(broker.ban(room, new Ban("eve", java.time.Instant.now().plus(Duration.ofHours(1)))));
        get(broker.ban(room, new Ban("mal", null)));

        assertThat(broker.publish(room, "e1", "{\"n\":2}", "eve")).failsWithin(Duration.ofSeconds(10))
                .withThrowableThat().withCauseInstanceOf(BannedException.class);
        assertThat(broker.open(room, 0, 10, true, "mal")).failsWithin(Duration.ofSeconds(10))
                .withThrowableThat().withCauseInstanceOf(BannedException.class);
        assertThat(get(broker.publish(room, "b1", "{\"n\":3}", "bob")).offset()).as("another user").isEqualTo(2);
        assertThat(get(broker.open(room, 0, 10, false, "bob")).messages()).hasSize(2);
        assertThat(broker.open(room + "-elsewhere", 0, 10, true, "eve")).as("another room").succeedsWithin(Duration.ofSeconds(10));
        assertThat(get(broker.bans(room))).extracting(Ban::user).containsExactly("eve", "mal");

        assertThat(get(broker.unban(room, "eve"))).isTrue();
        assertThat(get(broker.unban(room, "eve"))).as("lifted already").isFalse();
        assertThat(get(broker.publish(room, "e1", "{\"n\":2}", "eve")).offset()).isEqualTo(3);

        get(broker.ban(room, new Ban("eve", java.time.Instant.now().plusMillis(300))));
        await().atMost(10, TimeUnit.SECONDS).untilAsserted(() ->
                assertThat(get(broker.publish(room, "e2", "{\"n\":4}", "eve")).offset()).as("the ban ended").isEqualTo(4));
        assertThat(get(broker.bans(room))).extracting(Ban::user).containsExactly("mal");
    }

    @Test
    void aDeletedMessageBecomesATombstoneAtItsOffsetAndTheRoomIsTold() {
        String secret = "{\"id\":\"m2\",\"from\":\"s-1\",\"fromName\":\"Ada\",\"text\":\"my password\",\"ts\":1765000000123,\"clientMsgId\":\"c2\"}";
        String tombstone = "{\"id\":\"m2\",\"from\":\"s-1\",\"fromName\":\"Ada\",\"ts\":1765000000123,\"deleted\":true}";
        get(broker.subscribe(room));
        String epoch = publish(room, "a", "{\"id\":\"m1\",\"text\":\"one\"}").epoch();
        publish(room, "b", secret);
        publish(room, "c", "{\"id\":\"m3\",\"text\":\"three\"}");

        Deletion deleted = get(broker.delete(room, 2, epoch));
        assertThat(deleted).isEqualTo(new Deletion(epoch, 2, false));
        await().atMost(10, TimeUnit.SECONDS).until(() -> received.contains(room + "|PRESENCE|{\"type\":\"deleted\",\"room\":\""
                + room + "\",\"epoch\":\"" + epoch + "\",\"offset\":2}"));
        assertThat(get(broker.since(room, 0, 10)).messages()).containsExactly(new StoredMessage(1, "{\"id\":\"m1\",\"text\":\"one\"}"),
                new StoredMessage(2, tombstone), new StoredMessage(3, "{\"id\":\"m3\",\"text\":\"three\"}"));
        assertThat(get(broker.before(room, 0, 2)).messages()).extracting(StoredMessage::offset).containsExactly(2L, 3L);
        assertThat(get(broker.before(room, 3, 1)).messages()).containsExactly(new StoredMessage(2, tombstone));
        assertThat(get(broker.since(room, 1, 1)).messages()).containsExactly(new StoredMessage(2, tombstone));

        assertThat(get(broker.delete(room, 2, null))).as("again").isEqualTo(new Deletion(epoch, 2, true));
        get(broker.delete(room, 1, null));
        HistoryPage page = get(broker.since(room, 0, 10));
        assertThat(page.firstOffset()).as("a tombstone at the head").isEqualTo(1);
        assertThat(page.messages()).extracting(StoredMessage::offset).containsExactly(1L, 2L, 3L);
        assertThat(publish(room, "d", "{\"n\":4}").offset()).as("offsets stay dense").isEqualTo(4);

        assertThat(broker.delete(room, 9, null)).failsWithin(Duration.ofSeconds(10))
                .withThrowableThat().withCauseInstanceOf(NoSuchMessageException.class);
        assertThat(broker.delete(room, 3, "another-epoch")).failsWithin(Duration.ofSeconds(10))
                .withThrowableThat().withCauseInstanceOf(NoSuchMessageException.class);
        assertThat(broker.delete(room + "-none", 1, null)).failsWithin(Duration.ofSeconds(10))
                .withThrowableThat().withCauseInstanceOf(NoSuchRoomException.class);
    }
}
