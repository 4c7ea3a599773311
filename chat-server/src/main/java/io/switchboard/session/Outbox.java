package io.switchboard.session;

import io.switchboard.protocol.CloseCodes;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.web.socket.CloseStatus;
import org.springframework.web.socket.TextMessage;
import org.springframework.web.socket.WebSocketSession;

/**
 * A connection's bounded send queue. Used instead of spring-websocket's
 * {@code ConcurrentWebSocketSessionDecorator} because there the thread that finds the queue idle
 * does the (blocking) socket write itself: a room lane delivering to a slow client would stall
 * every other room on that lane. Here {@link #offer} only enqueues; writes happen on a virtual
 * thread per busy connection, so no caller ever waits on a socket.
 *
 * <p>The queue is bounded by frames and by characters. A client that lets it overflow is closed
 * with {@code 4008 slow consumer}: its queue is dropped at once, and it can resume from its last
 * offsets. A write that makes no progress for {@code switchboard.outbox.send-timeout} fails and
 * the socket is closed, so a dead peer cannot hold a writer forever.
 */
final class Outbox {

    static final CloseStatus SLOW_CONSUMER = new CloseStatus(CloseCodes.SLOW_CONSUMER, "slow consumer");
    private static final Logger log = LoggerFactory.getLogger(Outbox.class);

    private final WebSocketSession session;
    /** Counts slow-consumer closes; shared by every outbox, so nothing is allocated per connection. */
    private final Runnable onOverflow;
    private final Executor writers;
    private final int maxMessages;
    private final long maxChars;
    private final ArrayDeque<TextMessage> queue = new ArrayDeque<>();
    private long queuedChars;
    private boolean writing;
    private boolean closed;
    private CloseStatus closeAfterDrain;

    Outbox(WebSocketSession session, Executor writers, int maxMessages, long maxChars, Runnable onOverflow) {
        this.session = session;
        this.onOverflow = onOverflow;
        this.writers = writers;
        this.maxMessages = maxMessages;
        this.maxChars = maxChars;
    }

    /** Queues a frame; never blocks. Closes the connection with 4008 if the queue would overflow. */
    void offer(TextMessage message) {
        synchronized (this) {
            if (closed) {
                return;
            }
            int length = message.getPayloadLength();
            if (queue.size() < maxMessages && queuedChars + length <= maxChars) {
                queue.addLast(message);
                queuedChars += length;
                if (!writing) {
                    writing = true;
                    writers.execute(this::drain);
                }
                return;
            }
            closed = true;
            queue.clear();
            queuedChars = 0;
        }
        onOverflow.run();
        // Closing waits for a write in progress (up to the send timeout): never on the caller's thread.
        writers.execute(() -> closeNow(SLOW_CONSUMER));
    }

    /** Whether frames are still accepted and the socket is open. */
    boolean isOpen() {
        synchronized (this) {
            if (closed) {
                return false;
            }
        }
        return session.isOpen();
    }

    /** The socket is gone: drops what is queued and accepts nothing more; {@link #isOpen} is false from now on. */
    void discard() {
        synchronized (this) {
            closed = true;
            queue.clear();
            queuedChars = 0;
        }
    }

    /** Stops accepting frames, lets the queued ones go out, then closes with {@code status}. */
    void close(CloseStatus status) {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            if (writing) {
                closeAfterDrain = status;
                return;
            }
        }
        closeNow(status);
    }

    private void drain() {
        CloseStatus then;
        while (true) {
            TextMessage next;
            synchronized (this) {
                next = queue.pollFirst();
                if (next == null) {
                    writing = false;
                    then = closeAfterDrain;
                    break;
                }
                queuedChars -= next.getPayloadLength();
            }
            try {
                session.sendMessage(next);
            } catch (IOException | RuntimeException e) {
                synchronized (this) {
                    closed = true;
                    queue.clear();
                    queuedChars = 0;
                    writing = false;
                }
                closeNow(CloseStatus.SERVER_ERROR);
                return;
            }
        }
        if (then != null) {
            closeNow(then);
        }
    }

    private void closeNow(CloseStatus status) {
        try {
            if (session.isOpen()) {
                session.close(status);
            }
        } catch (IOException | RuntimeException e) {
            log.debug("Closing {} failed: {}", session.getId(), e.toString());
        }
    }
}
