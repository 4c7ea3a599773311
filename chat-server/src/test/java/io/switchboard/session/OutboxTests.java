package io.switchboard.session;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.protocol.CloseCodes;
import io.switchboard.support.Wait;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.security.Principal;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.http.HttpHeaders;
import org.springframework.web.socket.CloseStatus;
import org.springframework.web.socket.TextMessage;
import org.springframework.web.socket.WebSocketExtension;
import org.springframework.web.socket.WebSocketMessage;
import org.springframework.web.socket.WebSocketSession;

class OutboxTests {

    private final ExecutorService writers = Executors.newVirtualThreadPerTaskExecutor();
    private final TestSession session = new TestSession();

    @AfterEach
    void stop() {
        session.unblock.countDown();
        writers.shutdownNow();
    }

    @Test
    @Timeout(30) // guards against offer() ever blocking on the stuck socket
    void closesWith4008WhenAStuckClientOverflowsAndNeverBlocksTheCaller() {
        Outbox outbox = new Outbox(session, writers, 4, 1_000_000, () -> { });
        session.block = true;
        for (int i = 0; i < 100; i++) {
            outbox.offer(new TextMessage("m" + i));
        }
        session.unblock.countDown();

        Wait.until(Duration.ofSeconds(10), () -> session.closed != null, "session closed");
        assertThat(session.closed.getCode()).isEqualTo(CloseCodes.SLOW_CONSUMER);
        // the one being written when it stalled, then at most the 4 queued; never the overflow
        assertThat(session.sent.size()).isLessThanOrEqualTo(5);
    }

    @Test
    void deliversInOrderAndClosesAfterTheQueueDrains() {
        Outbox outbox = new Outbox(session, writers, 1000, 1_000_000, () -> { });
        for (int i = 0; i < 200; i++) {
            outbox.offer(new TextMessage("m" + i));
        }
        outbox.close(CloseStatus.SERVICE_RESTARTED);

        Wait.until(Duration.ofSeconds(10), () -> session.closed != null, "session closed");
        assertThat(session.sent).hasSize(200).first().isEqualTo("m0");
        assertThat(session.sent.getLast()).isEqualTo("m199");
        assertThat(session.closed).isEqualTo(CloseStatus.SERVICE_RESTARTED);
    }

    @Test
    void boundsTheQueueByCharactersToo() {
        Outbox outbox = new Outbox(session, writers, 1000, 10, () -> { });
        session.block = true;
        outbox.offer(new TextMessage("first"));
        outbox.offer(new TextMessage("0123456789-too-long"));
        session.unblock.countDown();

        Wait.until(Duration.ofSeconds(10), () -> session.closed != null, "session closed");
        assertThat(session.closed.getCode()).isEqualTo(CloseCodes.SLOW_CONSUMER);
    }

    /** A session whose writes can be held, like a socket whose peer stopped reading. */
    static final class TestSession implements WebSocketSession {
        final List<String> sent = new CopyOnWriteArrayList<>();
        final CountDownLatch unblock = new CountDownLatch(1);
        volatile boolean block;
        volatile CloseStatus closed;

        @Override
        public void sendMessage(WebSocketMessage<?> message) throws IOException {
            if (block) {
                try {
                    unblock.await();
                } catch (InterruptedException e) {
                    throw new IOException(e);
                }
            }
            sent.add(((TextMessage) message).getPayload());
        }

        @Override
        public boolean isOpen() {
            return closed == null;
        }

        @Override
        public void close(CloseStatus status) {
            closed = status;
        }

        @Override
        public void close() {
            close(CloseStatus.NORMAL);
        }

        @Override
        public String getId() {
            return "test";
        }

        @Override
        public URI getUri() {
            return URI.create("ws://test/ws");
        }

        @Override
        public HttpHeaders getHandshakeHeaders() {
            return new HttpHeaders();
        }

        @Override
        public Map<String, Object> getAttributes() {
            return new HashMap<>();
        }

        @Override
        public Principal getPrincipal() {
            return null;
        }

        @Override
        public InetSocketAddress getLocalAddress() {
            return null;
        }

        @Override
        public InetSocketAddress getRemoteAddress() {
            return null;
        }

        @Override
        public String getAcceptedProtocol() {
            return null;
        }

        @Override
        public void setTextMessageSizeLimit(int messageSizeLimit) {
        }

        @Override
        public int getTextMessageSizeLimit() {
            return 0;
        }

        @Override
        public void setBinaryMessageSizeLimit(int messageSizeLimit) {
        }

        @Override
        public int getBinaryMessageSizeLimit() {
            return 0;
        }

        @Override
        public List<WebSocketExtension> getExtensions() {
            return List.of();
        }
    }
}
