package io.switchboard.room;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.broker.Broker;
import io.switchboard.broker.BrokerEventHandler;
import io.switchboard.broker.HistoryPage;
import io.switchboard.broker.InMemoryBroker;
import io.switchboard.broker.PublishResult;
import io.switchboard.presence.InMemoryPresence;
import io.switchboard.protocol.ClientFrame;
import io.switchboard.protocol.FrameCodec;
import io.switchboard.protocol.Member;
import io.switchboard.protocol.Position;
import io.switchboard.protocol.StoredMessage;
import io.switchboard.support.Wait;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.web.socket.TextMessage;
import tools.jackson.databind.json.JsonMapper;

/** The room layer on the in-memory broker, with pub/sub delivery that the test can hold back. */
class RoomsTests {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private final HoldingBroker broker = new HoldingBroker(new InMemoryBroker(100, Duration.ofMinutes(1), Clock.systemUTC()));
    private final FrameCodec codec = new FrameCodec(100);
    private final Rooms rooms = new Rooms(broker, new InMemoryPresence(), codec, 100, 2);

    @AfterEach
    void close() {
        rooms.close();
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

        Wait.until(Duration.ofSeconds(10), () -> ada.offsets().size() == 5, "ada gets 1-5");
        assertThat(ada.offsets()).containsExactly(1L, 2L, 3L, 4L, 5L);
        Wait.until(Duration.ofSeconds(10), () -> bob.offsets().size() >= 2, "bob gets 4-5");
        assertThat(bob.offsets()).containsExactly(4L, 5L);
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

        Wait.until(Duration.ofSeconds(10), () -> ada.offsets().size() == 3, "three messages");
        assertThat(ada.offsets()).containsExactly(1L, 2L, 3L);
    }

    /** Our own seam, decorated: delivers, drops or holds back publications. */
    static final class HoldingBroker implements Broker {
        private final Broker delegate;
        private final List<Runnable> held = new ArrayList<>();
        volatile boolean holding;
        volatile boolean dropping;

        HoldingBroker(Broker delegate) {
            this.delegate = delegate;
        }

        synchronized void release() {
            holding = false;
            held.forEach(Runnable::run);
            held.clear();
        }

        @Override
        public void setHandler(BrokerEventHandler handler) {
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
                public void onEvent(String room, String frame) {
                    handler.onEvent(room, frame);
                }

                @Override
                public void onSubscribed(String room) {
                    handler.onSubscribed(room);
                }
            });
        }

        @Override
        public CompletableFuture<Void> subscribe(String room) {
            return delegate.subscribe(room);
        }

        @Override
        public CompletableFuture<Void> unsubscribe(String room) {
            return delegate.unsubscribe(room);
        }

        @Override
        public CompletableFuture<PublishResult> publish(String room, String clientMsgId, String body) {
            return delegate.publish(room, clientMsgId, body);
        }

        @Override
        public CompletableFuture<Void> publishEvent(String room, String frame) {
            return delegate.publishEvent(room, frame);
        }

        @Override
        public CompletableFuture<HistoryPage> since(String room, long afterOffset, int limit) {
            return delegate.since(room, afterOffset, limit);
        }

        @Override
        public CompletableFuture<HistoryPage> before(String room, long beforeOffset, int limit) {
            return delegate.before(room, beforeOffset, limit);
        }

        @Override
        public boolean isAvailable() {
            return delegate.isAvailable();
        }
    }

    /** A local connection that records what it is given. */
    static final class TestRecipient implements Recipient {
        private final Member member;
        private final List<Map<String, Object>> frames = new CopyOnWriteArrayList<>();

        TestRecipient(String id) {
            this.member = new Member(id, id, "node");
        }

        @Override
        public Member member() {
            return member;
        }

        @Override
        @SuppressWarnings("unchecked")
        public void deliver(TextMessage frame) {
            frames.add(JSON.readValue(frame.getPayload(), Map.class));
        }

        @Override
        public void joinedRoom(String room) {
        }

        @Override
        public void leftRoom(String room) {
        }

        Map<String, Object> await(String type) {
            Wait.until(Duration.ofSeconds(10), () -> frames.stream().anyMatch(f -> type.equals(f.get("type"))), type);
            return frames.stream().filter(f -> type.equals(f.get("type"))).findFirst().orElseThrow();
        }

        List<Long> offsets() {
            return frames.stream().filter(f -> "message".equals(f.get("type")))
                    .map(f -> ((Number) f.get("offset")).longValue()).toList();
        }
    }
}
