package io.switchboard.room;

import io.switchboard.support.PresenceFrames;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.switchboard.broker.Broker;
import io.switchboard.broker.BrokerEventHandler;
import io.switchboard.broker.BrokerUnavailableException;
import io.switchboard.broker.HistoryPage;
import io.switchboard.broker.InMemoryBroker;
import io.switchboard.broker.PublishResult;
import io.switchboard.presence.InMemoryPresence;
import io.switchboard.protocol.ChatMessage;
import io.switchboard.protocol.ClientFrame;
import io.switchboard.protocol.EventKind;
import io.switchboard.protocol.FrameCodec;
import io.switchboard.protocol.Member;
import io.switchboard.protocol.Position;
import io.switchboard.protocol.StoredMessage;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;
import java.util.stream.LongStream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import io.switchboard.protocol.EncodedFrame;
import tools.jackson.databind.json.JsonMapper;

/**
 * The room layer on the in-memory broker, behind a decorator that can drop or hold back
 * publications, and hold back or fail reads of the log: a held read is a join in flight.
 */
class RoomsTests {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Duration WAIT = Duration.ofSeconds(10);
    private final HoldingBroker broker = new HoldingBroker(new InMemoryBroker(100, Duration.ofMinutes(1), Duration.ofDays(1), Duration.ofMinutes(5), 100_000, Clock.systemUTC()));
    private final InMemoryPresence presence = new InMemoryPresence(100);
    private final FrameCodec codec = new FrameCodec(100);
    private final StartedRooms node = new StartedRooms(broker, presence);
    private final Rooms rooms = node.rooms;

    @AfterEach
    void close() {
        node.close();
    }

    @Test
    void aMessageIdIsARandomVersion4UuidNeverRepeated() {
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < 100_000; i++) {
            String id = Rooms.messageId();
            UUID parsed = UUID.fromString(id);
            assertThat(parsed.version()).isEqualTo(4);
            assertThat(parsed.variant()).isEqualTo(2);
            assertThat(parsed.toString()).isEqualTo(id);
            ids.add(id);
        }
        assertThat(ids).hasSize(100_000);
    }

    /** When a held read of the log reads it: as it was asked, or as it is when it answers. */
    enum Read { WHEN_ASKED, WHEN_ANSWERED }

    @ParameterizedTest(name = "log read {0}")
    @EnumSource(Read.class)
    void deliversToTheRoomWhileAJoinIsInFlightThenGivesTheJoinerExactlyWhatItMissed(Read read) {
        TestRecipient ada = new TestRecipient("ada");
        rooms.join(ada, new ClientFrame.Join("r", null, null));
        String epoch = (String) ada.await("joined").get("epoch");
        publish("r", 1, 3);
        await("ada gets 1-3").atMost(WAIT).pollInterval(Duration.ofMillis(25)).until(() -> ada.offsets().size() == 3);

        broker.holdReads(read);
        TestRecipient bob = new TestRecipient("bob");
        rooms.join(bob, new ClientFrame.Join("r", new Position(epoch, 1), "b1"));
        await("bob's join reads the log").atMost(WAIT).pollInterval(Duration.ofMillis(25)).until(() -> broker.heldReads() == 1);
        publish("r", 4, 8);

        // Counted, not timed: the room's lane delivered 4-8 while bob's read had no answer.
        await("ada gets 4-8 while bob's join is in flight").atMost(WAIT).pollInterval(Duration.ofMillis(25))
                .until(() -> ada.offsets().size() == 8);
        assertThat(ada.offsets()).containsExactly(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L);
        assertThat(broker.heldReads()).isEqualTo(1);
        assertThat(bob.frames).isEmpty();

        broker.releaseReads();
        assertThat(bob.await("joined")).containsEntry("offset", 8).containsEntry("recovered", true)
                .containsEntry("epochChanged", false).containsEntry("ref", "b1");
        await("bob gets 2-8").atMost(WAIT).pollInterval(Duration.ofMillis(25)).until(() -> bob.offsets().size() == 7);
        publish("r", 9, 9);
        await("both get 9").atMost(WAIT).pollInterval(Duration.ofMillis(25))
                .until(() -> bob.offsets().size() == 8 && ada.offsets().size() == 9);
        assertThat(bob.types().getFirst()).isEqualTo("joined");
        assertThat(bob.offsets()).containsExactlyElementsOf(offsets(2, 9));
        assertThat(ada.offsets()).containsExactlyElementsOf(offsets(1, 9));
        await("ada is told bob joined").atMost(WAIT).pollInterval(Duration.ofMillis(25))
                .until(() -> ada.frames.stream().anyMatch(f -> isPresenceOf(f, "join", "bob")));
    }

    @ParameterizedTest(name = "log read {0}")
    @EnumSource(Read.class)
    void holdsPublicationsToARoomNewOnThisNodeUntilItsPositionIsKnown(Read read) {
        String epoch = publish("fresh", 1, 2);

        broker.holdReads(read);
        TestRecipient carol = new TestRecipient("carol");
        rooms.join(carol, new ClientFrame.Join("fresh", new Position(epoch, 1), "c1"));
        await("carol's join reads the log").atMost(WAIT).pollInterval(Duration.ofMillis(25)).until(() -> broker.heldReads() == 1);
        assertThat(broker.subscriptions).contains("fresh");
        publish("fresh", 3, 4);
        broker.releaseReads();

        assertThat(carol.await("joined")).containsEntry("offset", 4).containsEntry("recovered", true);
        await("carol gets 2-4").atMost(WAIT).pollInterval(Duration.ofMillis(25)).until(() -> carol.offsets().size() == 3);
        publish("fresh", 5, 5);
        await("carol gets 5").atMost(WAIT).pollInterval(Duration.ofMillis(25)).until(() -> carol.offsets().size() == 4);
        assertThat(carol.offsets()).containsExactlyElementsOf(offsets(2, 5));
    }

    @Test
    void undoesAJoinWhoseConnectionClosedWhileItWasInFlight() {
        broker.holdReads(Read.WHEN_ASKED);
        TestRecipient eve = new TestRecipient("eve");
        rooms.join(eve, new ClientFrame.Join("gone", null, "e1"));
        await("eve's join reads the log").atMost(WAIT).pollInterval(Duration.ofMillis(25)).until(() -> broker.heldReads() == 1);
        eve.close();
        broker.releaseReads();

        await("the node stops listening to the room").atMost(WAIT).pollInterval(Duration.ofMillis(25))
                .until(() -> !broker.subscriptions.contains("gone"));
        assertThat(presence.members("gone").join().members()).isEmpty();
        assertThat(eve.joinedRooms).isEmpty();
        assertThat(eve.frames).isEmpty();
    }

    @Test
    void undoesOnlyTheClosedJoinerInARoomWithOtherMembers() {
        TestRecipient ada = new TestRecipient("ada");
        rooms.join(ada, new ClientFrame.Join("kept", null, null));
        ada.await("joined");
        broker.holdReads(Read.WHEN_ASKED);
        TestRecipient eve = new TestRecipient("eve");
        rooms.join(eve, new ClientFrame.Join("kept", null, "e1"));
        await("eve's join reads the log").atMost(WAIT).pollInterval(Duration.ofMillis(25)).until(() -> broker.heldReads() == 1);
        eve.close();
        broker.releaseReads();

        await("eve leaves presence").atMost(WAIT).pollInterval(Duration.ofMillis(25))
                .until(() -> presence.members("kept").join().count() == 1);
        assertThat(presence.members("kept").join().members()).extracting(Member::id).containsExactly("ada");
        node.flushPresence(); // whatever was gathered is relayed now, on the room's lane ahead of message 1
        publish("kept", 1, 1);
        await("ada gets 1").atMost(WAIT).pollInterval(Duration.ofMillis(25)).until(() -> ada.offsets().size() == 1);
        assertThat(broker.subscriptions).contains("kept");
        assertThat(eve.frames).isEmpty();
        assertThat(ada.frames).noneMatch(f -> isPresenceOf(f, "join", "eve"));
    }

    @Test
    void answersAFailedJoinWithBrokerUnavailableAndLeavesNothingBehind() {
        broker.failReads = true;
        TestRecipient ada = new TestRecipient("ada");
        rooms.join(ada, new ClientFrame.Join("down", null, "j1"));

        assertThat(ada.await("error")).containsEntry("code", "broker_unavailable").containsEntry("ref", "j1");
        await("the node stops listening to the room").atMost(WAIT).pollInterval(Duration.ofMillis(25))
                .until(() -> !broker.subscriptions.contains("down"));
        assertThat(presence.members("down").join().members()).isEmpty();
        assertThat(ada.joinedRooms).isEmpty();

        broker.failReads = false;
        rooms.join(ada, new ClientFrame.Join("down", null, "j2"));
        assertThat(ada.await("joined")).containsEntry("ref", "j2");
    }

    @Test
    void answersALeaveSentDuringTheJoinAfterJoined() {
        broker.holdReads(Read.WHEN_ASKED);
        TestRecipient bob = new TestRecipient("bob");
        rooms.join(bob, new ClientFrame.Join("brief", null, "j1"));
        await("bob's join reads the log").atMost(WAIT).pollInterval(Duration.ofMillis(25)).until(() -> broker.heldReads() == 1);
        rooms.leave(bob, "brief", "l1");
        broker.releaseReads();

        bob.await("left");
        assertThat(bob.types()).containsExactly("joined", "left");
        await("the node stops listening to the room").atMost(WAIT).pollInterval(Duration.ofMillis(25))
                .until(() -> !broker.subscriptions.contains("brief"));
        assertThat(presence.members("brief").join().members()).isEmpty();
    }

    @Test
    void startsAtTheNewEpochsFirstMessageWhenTheClientsEpochIsGone() {
        publish("lost", 1, 3);
        TestRecipient ada = new TestRecipient("ada");
        rooms.join(ada, new ClientFrame.Join("lost", new Position("gone", 5), null));

        assertThat(ada.await("joined")).containsEntry("epochChanged", true).containsEntry("recovered", true)
                .containsEntry("offset", 3);
        await("ada gets 1-3").atMost(WAIT).pollInterval(Duration.ofMillis(25)).until(() -> ada.offsets().size() == 3);
        assertThat(ada.offsets()).containsExactly(1L, 2L, 3L);
    }

    @Test
    void sendsTheNewestMessagesWhenMoreThanMaxReplayWereMissed() {
        HoldingBroker longLog = new HoldingBroker(new InMemoryBroker(300, Duration.ofMinutes(1), Duration.ofDays(1), Duration.ofMinutes(5), 100_000, Clock.systemUTC()));
        try (StartedRooms started = new StartedRooms(longLog, new InMemoryPresence(100))) {
            Rooms shortReplay = started.rooms;
            String epoch = null;
            for (int i = 1; i <= 150; i++) {
                epoch = longLog.publish("far", "m" + i, body(i)).join().epoch();
            }
            TestRecipient bob = new TestRecipient("bob");
            shortReplay.join(bob, new ClientFrame.Join("far", new Position(epoch, 10), null));

            assertThat(bob.await("joined")).containsEntry("recovered", false).containsEntry("offset", 150);
            await("bob gets the newest 100").atMost(WAIT).pollInterval(Duration.ofMillis(25))
                    .until(() -> bob.offsets().size() == 100);
            assertThat(bob.offsets()).containsExactlyElementsOf(offsets(51, 150));
        }
    }

    @Test
    void neverRepeatsToAResumingClientWhatItGotFromANodeThatWasAhead() {
        TestRecipient ada = new TestRecipient("ada");
        rooms.join(ada, new ClientFrame.Join("r", null, null));
        String epoch = (String) ada.await("joined").get("epoch");

        broker.holding = true; // this node's pub/sub lags: offsets 1-5 are stored but not yet delivered here
        for (int i = 1; i <= 5; i++) {
            broker.publish("r", "m" + i, codec.encodeBody(new io.switchboard.protocol.ChatMessage(
                    "id" + i, "s", "S", "t" + i, 0, "m" + i))).join();
        }
        // Bob saw offsets 1-3 on another node and resumes here.
        TestRecipient bob = new TestRecipient("bob");
        rooms.join(bob, new ClientFrame.Join("r", new Position(epoch, 3), null));
        bob.await("joined");
        broker.release();

        await("ada gets 1-5").atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(25))
                .until(() -> ada.offsets().size() == 5);
        assertThat(ada.offsets()).containsExactly(1L, 2L, 3L, 4L, 5L);
        await("bob gets 4-5").atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(25))
                .until(() -> bob.offsets().size() >= 2);
        assertThat(bob.offsets()).containsExactly(4L, 5L);
    }

    @Test
    void aLatePublicationOfAnEpochTheRoomHasLeftChangesNothing() {
        TestRecipient ada = new TestRecipient("ada");
        rooms.join(ada, new ClientFrame.Join("r", null, null));
        ada.await("joined");
        publish("r", 1, 2);
        await("ada gets 1-2").atMost(WAIT).pollInterval(Duration.ofMillis(25)).until(() -> ada.offsets().size() == 2);

        // published in an epoch before a rollback was fenced, and delivered only after that
        broker.handler.onPublication("r", "left-behind", new StoredMessage(2, "{\"text\":\"late\"}"));
        publish("r", 3, 3);

        await("ada gets 3").atMost(WAIT).pollInterval(Duration.ofMillis(25)).until(() -> ada.offsets().size() >= 3);
        assertThat(ada.offsets()).containsExactly(1L, 2L, 3L);
        assertThat(ada.types()).doesNotContain("epoch_changed");
    }

    @Test
    void repairsAGapBeforeDelivering() {
        TestRecipient ada = new TestRecipient("ada");
        rooms.join(ada, new ClientFrame.Join("r", null, null));
        ada.await("joined");

        broker.dropping = true; // pub/sub loses offsets 1 and 2
        broker.publish("r", "m1", "{\"text\":\"1\"}").join();
        broker.publish("r", "m2", "{\"text\":\"2\"}").join();
        broker.dropping = false;
        broker.publish("r", "m3", "{\"text\":\"3\"}").join();

        await("three messages").atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(25))
                .until(() -> ada.offsets().size() == 3);
        assertThat(ada.offsets()).containsExactly(1L, 2L, 3L);
    }

    @Test
    void aGapThatCannotBeReadNowIsReadOnceRedisAnswersNeverToldAsAGap() {
        TestRecipient ada = new TestRecipient("ada");
        rooms.join(ada, new ClientFrame.Join("r", null, null));
        ada.await("joined");

        broker.dropping = true; // pub/sub loses offsets 1 and 2 ...
        broker.publish("r", "m1", "{\"text\":\"1\"}").join();
        broker.publish("r", "m2", "{\"text\":\"2\"}").join();
        broker.dropping = false;
        broker.failReads = true; // ... and the log cannot be read when the gap shows (Redis changing hands)
        broker.publish("r", "m3", "{\"text\":\"3\"}").join();
        broker.publish("r", "m4", "{\"text\":\"4\"}").join(); // arrives while the repair waits
        await("the repair's read failed, and a retry's").atMost(WAIT).pollInterval(Duration.ofMillis(25))
                .until(() -> broker.failedReads() >= 2);
        assertThat(ada.offsets()).as("nothing out of order meanwhile").isEmpty();

        broker.failReads = false; // Redis answers again
        await().atMost(WAIT).pollInterval(Duration.ofMillis(25))
                .untilAsserted(() -> assertThat(ada.offsets()).as("offsets").isEqualTo(List.of(1L, 2L, 3L, 4L)));
        broker.publish("r", "m5", "{\"text\":\"5\"}").join();
        await().atMost(WAIT).pollInterval(Duration.ofMillis(25))
                .untilAsserted(() -> assertThat(ada.offsets()).as("offsets").isEqualTo(List.of(1L, 2L, 3L, 4L, 5L)));
        assertThat(ada.types()).doesNotContain("gap");
    }

    @Test
    void tellsTheMembersOfOffsetsTrimmedFromTheLogBeforeTheyCouldBeRepaired() {
        HoldingBroker small = new HoldingBroker(new InMemoryBroker(2, Duration.ofMinutes(1), Duration.ofDays(1), Duration.ofMinutes(5), 100_000, Clock.systemUTC()));
        try (StartedRooms started = new StartedRooms(small, presence)) {
            Rooms smallLog = started.rooms;
            TestRecipient ada = new TestRecipient("ada");
            smallLog.join(ada, new ClientFrame.Join("r", null, null));
            ada.await("joined");

            small.dropping = true; // pub/sub loses offsets 1-4; the log keeps only the newest two
            for (int i = 1; i <= 4; i++) {
                small.publish("r", "m" + i, body(i)).join();
            }
            small.dropping = false;
            small.publish("r", "m5", body(5)).join();

            Map<String, Object> gap = ada.await("gap");
            assertThat(gap).containsEntry("from", 1).containsEntry("to", 3);
            await().atMost(WAIT).pollInterval(Duration.ofMillis(25))
                    .untilAsserted(() -> assertThat(ada.offsets()).as("offsets").isEqualTo(List.of(4L, 5L)));
        }
    }

    /**
     * A publication the broker's own thread received is delivered on that thread when the room is
     * small here (no wake-up of the lane's thread), and by the lane's thread in a larger room, whose
     * fan-out would hold up the broker's connection.
     */
    @Test
    void aPublicationReceivedOnTheBrokersThreadIsDeliveredThereOnlyInASmallRoom() {
        for (int members : new int[] {1, BrokerIntake.IN_PLACE_MEMBERS + 1}) {
            String room = "room-of-" + members;
            List<TestRecipient> joined = new ArrayList<>();
            for (int i = 0; i < members; i++) {
                TestRecipient member = new TestRecipient("m" + i);
                rooms.join(member, new ClientFrame.Join(room, null, null));
                member.await("joined");
                joined.add(member);
            }
            String epoch = publish(room, 1, 1);
            TestRecipient last = joined.getLast();
            await().atMost(WAIT).pollInterval(Duration.ofMillis(25)).until(() -> last.offsets().size() == 1);

            // as Redis's I/O thread would; the lane may be busy a moment (presence), so twenty of them
            for (int offset = 2; offset <= 21; offset++) {
                broker.handler.onPublicationReceived(room, epoch, new StoredMessage(offset, body(offset)));
                int delivered = offset;
                await().atMost(WAIT).pollInterval(Duration.ofMillis(5)).until(() -> last.offsets().size() == delivered);
            }
            for (TestRecipient member : joined) {
                assertThat(member.offsets()).isEqualTo(offsets(1, 21));
            }
            List<Thread> received = last.messageThreads.subList(1, 21);
            if (members <= BrokerIntake.IN_PLACE_MEMBERS) {
                assertThat(received).as("in place, whenever the lane was idle").contains(Thread.currentThread());
            } else {
                assertThat(received).as("on the lane").allMatch(thread -> thread.getName().startsWith("room-lane-"));
            }
        }
    }

    @Test
    void aFullLaneRefusesJoinsAndCatchesUpRefusedPublicationsFromTheLog() {
        InMemoryBroker log = new InMemoryBroker(100, Duration.ofMinutes(1), Duration.ofDays(1), Duration.ofMinutes(5), 100_000, Clock.systemUTC());
        // one lane, at most four refusable tasks waiting on it
        try (StartedRooms started = new StartedRooms(log, presence, new RoomSettings(100, 1, 4), 100, Duration.ofSeconds(1))) {
            Rooms busy = started.rooms;
            TestRecipient ada = new TestRecipient("ada");
            busy.join(ada, new ClientFrame.Join("r", null, null));
            ada.await("joined");
            CountDownLatch stuck = new CountDownLatch(1);
            ada.stuck = stuck;
            log.publish("r", "m1", body(1)).join(); // the lane blocks delivering it to Ada
            for (int i = 2; i <= 12; i++) {
                log.publish("r", "m" + i, body(i)).join(); // four wait; the rest are refused
            }
            TestRecipient bob = new TestRecipient("bob");
            busy.join(bob, new ClientFrame.Join("other", null, "j1"));
            assertThat(bob.await("error")).containsEntry("code", "overloaded").containsEntry("ref", "j1");

            ada.stuck = null;
            stuck.countDown();
            await().atMost(WAIT).pollInterval(Duration.ofMillis(25))
                    .untilAsserted(() -> assertThat(ada.offsets().size() >= 12).as(() -> "offsets " + ada.offsets()).isTrue());
            assertThat(ada.offsets()).isEqualTo(offsets(1, 12)); // every one, once, in order
            busy.join(bob, new ClientFrame.Join("other", null, "j2"));
            assertThat(bob.await("joined")).containsEntry("ref", "j2");
        }
    }

    /** Publishes messages {@code from}-{@code to} (by their offsets in a fresh room) and answers the room's epoch. */
    private String publish(String room, int from, int to) {
        String epoch = null;
        for (int i = from; i <= to; i++) {
            epoch = broker.publish(room, "m" + i, body(i)).join().epoch();
        }
        return epoch;
    }

    private String body(int i) {
        return codec.encodeBody(new ChatMessage("id" + i, "s", "S", "t" + i, 0, "m" + i));
    }

    private static boolean isPresenceOf(Map<String, Object> frame, String action, String memberId) {
        return PresenceFrames.announces(frame, action, "id", memberId);
    }

    private static List<Long> offsets(long from, long to) {
        return LongStream.rangeClosed(from, to).boxed().toList();
    }

    /** Our own seam, decorated: delivers, drops or holds back publications; holds back or fails reads of the log. */
    static final class HoldingBroker implements Broker {
        private final Broker delegate;
        private final List<Runnable> held = new ArrayList<>();
        private final List<Runnable> heldReads = new ArrayList<>();
        private Read holdingReads;
        final Set<String> subscriptions = ConcurrentHashMap.newKeySet();
        volatile boolean holding;
        volatile boolean dropping;
        volatile boolean failReads;
        private final java.util.concurrent.atomic.AtomicInteger failedReads = new java.util.concurrent.atomic.AtomicInteger();

        /** Reads refused so far while {@link #failReads} was set. */
        int failedReads() {
            return failedReads.get();
        }

        HoldingBroker(Broker delegate) {
            this.delegate = delegate;
        }

        synchronized void release() {
            holding = false;
            held.forEach(Runnable::run);
            held.clear();
        }

        /** Holds back the answers to reads of the log ({@link #since}, {@link #open}) until {@link #releaseReads}. */
        synchronized void holdReads(Read read) {
            holdingReads = read;
        }

        synchronized int heldReads() {
            return heldReads.size();
        }

        void releaseReads() {
            List<Runnable> release;
            synchronized (this) {
                holdingReads = null;
                release = new ArrayList<>(heldReads);
                heldReads.clear();
            }
            release.forEach(Runnable::run);
        }

        /** What the rooms gave {@link #setHandler}: publications handed to it skip this decorator. */
        volatile BrokerEventHandler handler;

        @Override
        public CompletableFuture<io.switchboard.broker.RoomPage> rooms(String cursor, int limit) {
            return delegate.rooms(cursor, limit);
        }

        @Override
        public void setHandler(BrokerEventHandler handler) {
            this.handler = handler;
            delegate.setHandler(new BrokerEventHandler() {
                @Override
                public void onPublication(String room, String epoch, StoredMessage message) {
                    synchronized (HoldingBroker.this) {
                        if (dropping) {
                            return;
                        }
                        if (holding) {
                            held.add(() -> handler.onPublication(room, epoch, message));
                            return;
                        }
                    }
                    handler.onPublication(room, epoch, message);
                }

                @Override
                public void onEvent(String room, EventKind kind, String frame) {
                    handler.onEvent(room, kind, frame);
                }

                @Override
                public void onSubscribed(String room) {
                    handler.onSubscribed(room);
                }
            });
        }

        @Override
        public CompletableFuture<Void> subscribe(String room) {
            subscriptions.add(room);
            return delegate.subscribe(room);
        }

        @Override
        public CompletableFuture<Void> unsubscribe(String room) {
            subscriptions.remove(room);
            return delegate.unsubscribe(room);
        }

        @Override
        public CompletableFuture<PublishResult> publish(String room, String clientMsgId, String body, String sender) {
            return delegate.publish(room, clientMsgId, body, sender);
        }

        @Override
        public CompletableFuture<Void> publishEvent(String room, EventKind kind, String frame) {
            return delegate.publishEvent(room, kind, frame);
        }

        @Override
        public CompletableFuture<HistoryPage> since(String room, long afterOffset, int limit) {
            return read(() -> delegate.since(room, afterOffset, limit));
        }

        @Override
        public CompletableFuture<HistoryPage> open(String room, long afterOffset, int limit, boolean create,
                                                   String user) {
            return read(() -> delegate.open(room, afterOffset, limit, create, user));
        }

        @Override
        public CompletableFuture<Void> ban(String room, io.switchboard.broker.Ban ban) {
            return delegate.ban(room, ban);
        }

        @Override
        public CompletableFuture<Boolean> unban(String room, String user) {
            return delegate.unban(room, user);
        }

        @Override
        public CompletableFuture<List<io.switchboard.broker.Ban>> bans(String room) {
            return delegate.bans(room);
        }

        @Override
        public CompletableFuture<io.switchboard.broker.Deletion> delete(String room, long offset, String epoch) {
            return delegate.delete(room, offset, epoch);
        }

        private CompletableFuture<HistoryPage> read(Supplier<CompletableFuture<HistoryPage>> read) {
            if (failReads) {
                failedReads.incrementAndGet();
                return CompletableFuture.failedFuture(new BrokerUnavailableException("failing reads", null));
            }
            // The reads themselves run outside this decorator's lock: the delegate takes its own
            // locks, and delivers publications (which take this one) under them.
            Read mode;
            synchronized (this) {
                mode = holdingReads;
            }
            if (mode == null) {
                return read.get();
            }
            CompletableFuture<HistoryPage> answer = new CompletableFuture<>();
            Runnable complete;
            if (mode == Read.WHEN_ASKED) {
                HistoryPage page = read.get().join();
                complete = () -> answer.complete(page);
            } else {
                complete = () -> answer.complete(read.get().join());
            }
            boolean held;
            synchronized (this) {
                held = holdingReads != null;
                if (held) {
                    heldReads.add(complete);
                }
            }
            if (!held) { // released meanwhile
                complete.run();
            }
            return answer;
        }

        @Override
        public CompletableFuture<HistoryPage> before(String room, long beforeOffset, int limit) {
            return delegate.before(room, beforeOffset, limit);
        }

        @Override
        public CompletableFuture<String> fence(String room, String epoch, long lastOffset) {
            return delegate.fence(room, epoch, lastOffset);
        }

        @Override
        public boolean isAvailable() {
            return delegate.isAvailable();
        }
    }

    /** A local connection that records what it is given. */
    static final class TestRecipient implements Recipient {
        private final Member member;
        final List<Map<String, Object>> frames = new CopyOnWriteArrayList<>();
        /** The thread each message frame was handed over on, in order. */
        final List<Thread> messageThreads = new CopyOnWriteArrayList<>();
        final Set<String> joinedRooms = ConcurrentHashMap.newKeySet();
        final List<String> joinsEnded = new CopyOnWriteArrayList<>();
        private volatile boolean open = true;
        /** While set, a delivery waits for it: the room's lane is stuck in this member's socket. */
        volatile CountDownLatch stuck;

        TestRecipient(String id) {
            this.member = new Member(id, id, "node");
        }

        @Override
        public Member member() {
            return member;
        }

        @Override
        @SuppressWarnings("unchecked")
        public void deliver(EncodedFrame frame) {
            CountDownLatch gate = stuck;
            if (gate != null) {
                try {
                    gate.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            Map<String, Object> read = JSON.readValue(frame.text(), Map.class);
            if ("message".equals(read.get("type"))) {
                messageThreads.add(Thread.currentThread());
            }
            frames.add(read);
        }

        @Override
        public boolean isOpen() {
            return open;
        }

        void close() {
            open = false;
        }

        @Override
        public void joinedRoom(String room) {
            joinedRooms.add(room);
        }

        @Override
        public void leftRoom(String room) {
            joinedRooms.remove(room);
        }

        @Override
        public void joinEnded(String room) {
            joinsEnded.add(room);
        }

        Map<String, Object> await(String type) {
            // this class's own await(String) hides the static import
            Awaitility.await(type).atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(25))
                    .until(() -> frames.stream().anyMatch(f -> type.equals(f.get("type"))));
            return frames.stream().filter(f -> type.equals(f.get("type"))).findFirst().orElseThrow();
        }

        List<String> types() {
            return frames.stream().map(f -> (String) f.get("type")).toList();
        }

        List<Long> offsets() {
            return frames.stream().filter(f -> "message".equals(f.get("type")))
                    .map(f -> ((Number) f.get("offset")).longValue()).toList();
        }
    }
}
