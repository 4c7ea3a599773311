package io.switchboard.session;

import io.switchboard.protocol.CloseCodes;
import io.switchboard.protocol.EncodedFrame;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.web.socket.CloseStatus;

/**
 * A connection's bounded share of the socket's send queue. {@link #offer} hands the frame to the
 * {@link Wire} at once (the container writes it asynchronously, in order, gathering what is queued
 * into few writes) and only counts what is not written yet: no thread per busy connection, no caller
 * ever waits on a socket.
 *
 * <p>What is not written yet is bounded by frames and by bytes. A client that lets it overflow is
 * closed with {@code 4008 slow consumer}, and can resume from its last offsets. Control frames
 * (the node's pings, its pongs to the peer's pings) count like the others. A socket that makes
 * no progress for {@code switchboard.outbox.send-timeout} while frames wait is closed on the next
 * offer, and a close that cannot get through (the peer reads nothing) drops the connection after
 * that same time.
 */
final class Outbox {

    static final CloseStatus SLOW_CONSUMER = new CloseStatus(CloseCodes.SLOW_CONSUMER, "slow consumer");
    static final CloseStatus STALLED = new CloseStatus(CloseCodes.SLOW_CONSUMER, "no write progress");
    private static final Logger log = LoggerFactory.getLogger(Outbox.class);

    private final Wire wire;
    /** Counts slow-consumer closes; shared by every outbox, so nothing is allocated per connection. */
    private final Runnable onOverflow;
    private final ScheduledExecutorService timeouts;
    private final LongSupplier clock;
    private final int maxMessages;
    private final long maxBytes;
    private final long sendTimeoutNanos;
    private int unwritten;
    private long unwrittenBytes;
    /** When the oldest unwritten frame was queued or the last write completed, whichever is later. */
    private long progressAt;
    private boolean closed;

    Outbox(Wire wire, int maxMessages, long maxBytes, Duration sendTimeout, ScheduledExecutorService timeouts,
           Runnable onOverflow) {
        this(wire, maxMessages, maxBytes, sendTimeout, timeouts, onOverflow, System::nanoTime);
    }

    Outbox(Wire wire, int maxMessages, long maxBytes, Duration sendTimeout, ScheduledExecutorService timeouts,
           Runnable onOverflow, LongSupplier clock) {
        this.wire = wire;
        this.maxMessages = maxMessages;
        this.maxBytes = maxBytes;
        this.sendTimeoutNanos = sendTimeout.toNanos();
        this.timeouts = timeouts;
        this.onOverflow = onOverflow;
        this.clock = clock;
    }

    /** Queues a frame; never blocks. Closes the connection with 4008 if it would overflow. */
    void offer(EncodedFrame frame) {
        int length = frame.length();
        if (admit(length)) {
            wire.send(frame, new Written(length));
        }
    }

    /**
     * Answers a peer's ping. A pong is counted like any frame: the container would queue it ahead
     * of everything else, without a bound, so a peer that pings and never reads would otherwise fill
     * the heap; here it is cut (4008) like one that does not read its messages.
     */
    void pong(ByteBuffer payload) {
        int length = payload.remaining();
        if (admit(length)) {
            wire.pong(payload, new Written(length));
        }
    }

    /**
     * Takes a place for a frame of {@code length} bytes among what is not written yet; false, and
     * the connection closed (4008), when there is none or the socket made no progress for the send
     * timeout; false as well once closed.
     */
    private boolean admit(int length) {
        CloseStatus cut;
        synchronized (this) {
            if (closed) {
                return false;
            }
            long now = clock.getAsLong();
            if (unwritten > 0 && now - progressAt > sendTimeoutNanos) {
                cut = STALLED;
            } else if (unwritten < maxMessages && unwrittenBytes + length <= maxBytes) {
                if (unwritten == 0) {
                    progressAt = now;
                }
                unwritten++;
                unwrittenBytes += length;
                return true;
            } else {
                cut = SLOW_CONSUMER;
            }
            closed = true;
        }
        if (cut == SLOW_CONSUMER) {
            onOverflow.run();
        }
        closeWithin(cut);
        return false;
    }

    /** Whether frames are still accepted and the socket is open. */
    boolean isOpen() {
        synchronized (this) {
            if (closed) {
                return false;
            }
        }
        return wire.isOpen();
    }

    /** Pings the peer, unless the connection is closing; counted like any frame. */
    void ping() {
        if (wire.isOpen() && admit(0)) {
            Written done = new Written(0);
            try {
                wire.ping(done);
            } catch (RuntimeException e) {
                done.failed(e);
            }
        }
    }

    /** The socket is gone: accepts nothing more; {@link #isOpen} is false from now on. */
    void discard() {
        synchronized (this) {
            closed = true;
        }
    }

    /** Stops accepting frames; the queued ones go out, then the close frame with {@code status}. */
    void close(CloseStatus status) {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        closeWithin(status);
    }

    private void closeWithin(CloseStatus status) {
        try {
            wire.close(status);
            // Harmless once the close went through; it only cuts a close that is still waiting.
            timeouts.schedule(wire::abort, sendTimeoutNanos, TimeUnit.NANOSECONDS);
        } catch (RuntimeException e) {
            log.debug("Closing failed: {}", e.toString());
            wire.abort();
        }
    }

    private void wrote(int length) {
        synchronized (this) {
            unwritten--;
            unwrittenBytes -= length;
            progressAt = clock.getAsLong();
        }
    }

    /** One frame's completion; a failed write means the socket is gone, and the container closes it. */
    private final class Written implements Wire.Done {
        private final int length;

        Written(int length) {
            this.length = length;
        }

        @Override
        public void written() {
            wrote(length);
        }

        @Override
        public void failed(Throwable cause) {
            wrote(length);
            synchronized (Outbox.this) {
                closed = true;
            }
            log.debug("A write failed: {}", cause.toString());
            wire.abort();
        }
    }
}
