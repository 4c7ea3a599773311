package io.switchboard.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.switchboard.protocol.CloseCodes;
import io.switchboard.protocol.EncodedFrame;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.web.socket.CloseStatus;

class OutboxTests {

    private final ScheduledExecutorService timeouts = Executors.newSingleThreadScheduledExecutor();
    private final HeldWire wire = new HeldWire();
    private final AtomicInteger overflows = new AtomicInteger();
    private final AtomicLong now = new AtomicLong();

    @AfterEach
    void stop() {
        timeouts.shutdownNow();
    }

    private Outbox outbox(int maxMessages, long maxBytes) {
        return new Outbox(wire, maxMessages, maxBytes, Duration.ofSeconds(10), timeouts, overflows::incrementAndGet,
                now::get);
    }

    @Test
    void closesWith4008WhenAStuckClientOverflowsAndNeverWaitsForTheSocket() {
        Outbox outbox = outbox(4, 1_000_000);
        for (int i = 0; i < 100; i++) {
            outbox.offer(EncodedFrame.of("m" + i)); // the wire holds every write: nothing completes
        }

        assertThat(wire.closed).isEqualTo(Outbox.SLOW_CONSUMER);
        assertThat(wire.queued).hasSize(4); // never more than the bound, never the overflow
        assertThat(overflows).hasValue(1);
        assertThat(outbox.isOpen()).isFalse();
    }

    @Test
    void writtenFramesMakeRoomAgain() {
        Outbox outbox = outbox(4, 1_000_000);
        for (int i = 0; i < 100; i++) {
            outbox.offer(EncodedFrame.of("m" + i));
            wire.completeAll();
        }

        assertThat(wire.closed).isNull();
        assertThat(wire.sent).hasSize(100).first().isEqualTo("m0");
        assertThat(wire.sent.getLast()).isEqualTo("m99");
    }

    @Test
    void boundsWhatIsUnwrittenByBytesToo() {
        Outbox outbox = outbox(1000, 10);
        outbox.offer(EncodedFrame.of("first"));
        outbox.offer(EncodedFrame.of("0123456789-too-long"));

        assertThat(wire.closed.getCode()).isEqualTo(CloseCodes.SLOW_CONSUMER);
        assertThat(wire.queued).hasSize(1);
    }

    @Test
    void closesASocketThatMadeNoProgressForTheSendTimeout() {
        Outbox outbox = outbox(1000, 1_000_000);
        outbox.offer(EncodedFrame.of("stuck"));
        now.addAndGet(Duration.ofSeconds(11).toNanos());
        outbox.offer(EncodedFrame.of("next"));

        assertThat(wire.closed).isEqualTo(Outbox.STALLED);
        assertThat(overflows).hasValue(0);
    }

    @Test
    void aCloseThatCannotGetThroughAbortsAfterTheSendTimeout() {
        Outbox outbox = new Outbox(wire, 16, 1_000_000, Duration.ofMillis(50), timeouts, () -> { }, now::get);
        outbox.offer(EncodedFrame.of("never read"));
        outbox.close(CloseStatus.SERVICE_RESTARTED);

        assertThat(wire.closed).isEqualTo(CloseStatus.SERVICE_RESTARTED);
        await("connection aborted").atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(25)).until(() -> wire.aborted);
        outbox.offer(EncodedFrame.of("after close"));
        assertThat(wire.queued).hasSize(1);
    }

    @Test
    void pongsCountLikeFramesSoAPeerThatPingsAndNeverReadsIsCut() {
        Outbox outbox = outbox(8, 1_000_000);
        for (int i = 0; i < 10_000; i++) {
            outbox.pong(ByteBuffer.wrap(("ping " + i).getBytes(StandardCharsets.UTF_8)));
        }

        assertThat(wire.closed).isEqualTo(Outbox.SLOW_CONSUMER);
        assertThat(wire.queued).hasSize(8);
        assertThat(overflows).hasValue(1);
    }

    @Test
    void theNodesOwnPingsCountToo() {
        Outbox outbox = outbox(3, 1_000_000);
        outbox.offer(EncodedFrame.of("m1"));
        outbox.ping();
        outbox.pong(ByteBuffer.allocate(0));
        outbox.ping();

        assertThat(wire.closed).isEqualTo(Outbox.SLOW_CONSUMER);
        wire.completeAll();
        assertThat(wire.sent).containsExactly("m1", "(ping)", "(pong )");
    }

    /** A socket whose writes complete only when the test says so, like one whose peer stopped reading. */
    static final class HeldWire implements Wire {
        final ArrayDeque<Object[]> queued = new ArrayDeque<>();
        final List<String> sent = new CopyOnWriteArrayList<>();
        volatile CloseStatus closed;
        volatile boolean aborted;

        @Override
        public synchronized void send(EncodedFrame frame, Done done) {
            queued.addLast(new Object[] {frame, done});
        }

        synchronized void completeAll() {
            while (!queued.isEmpty()) {
                Object[] next = queued.pollFirst();
                sent.add(((EncodedFrame) next[0]).text());
                ((Done) next[1]).written();
            }
        }

        @Override
        public synchronized void ping(Done done) {
            queued.addLast(new Object[] {EncodedFrame.of("(ping)"), done});
        }

        @Override
        public synchronized void pong(ByteBuffer payload, Done done) {
            queued.addLast(new Object[] {EncodedFrame.of("(pong " + StandardCharsets.UTF_8.decode(payload) + ")"), done});
        }

        @Override
        public void close(CloseStatus status) {
            closed = status;
        }

        @Override
        public void abort() {
            aborted = true;
        }

        @Override
        public boolean isOpen() {
            return !aborted;
        }
    }
}
