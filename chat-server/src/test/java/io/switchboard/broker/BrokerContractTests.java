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
}
