package io.switchboard.room;

import io.switchboard.broker.Broker;
import io.switchboard.broker.HistoryPage;
import io.switchboard.protocol.EncodedFrame;
import io.switchboard.protocol.FrameCodec;
import io.switchboard.protocol.ServerFrame;
import io.switchboard.protocol.StoredMessage;
import io.switchboard.room.Room.Membership;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A room's messages to its local members: each once, in offset order, encoded once per node and the
 * same bytes handed to every member. Runs on the room's lane.
 *
 * <p>Per room the node keeps the epoch and the last offset delivered. A publication at the next
 * offset is delivered; an older one is dropped (delivered already); a newer one means pub/sub lost
 * something, and the room catches up from its log, which holds that publication too. A publication
 * of another epoch is the first of a new one (the log was lost or went back) or a late one of an
 * epoch the room has left (published before a rollback was fenced): only Redis knows which, so the
 * room catches up from its log. Taking the publication's epoch instead would flip a room back to
 * the epoch it left, and replay its log to every member twice.
 *
 * <p>A catch-up never makes the lane wait for Redis: its read is issued, and the page comes back to
 * the lane as work of its own; meanwhile publications at the next offset are delivered, and later
 * ones are left to it. It delivers what the log holds up to the room's position and to the highest
 * publication left to it, page by page, and tells the members of a {@code gap} only for offsets the
 * log no longer holds (trimmed, expired). A read that fails (Redis changing hands) is no such proof:
 * it is tried again every {@link #RETRY}, up to {@link #ATTEMPTS} times. Should the room's offset in
 * its epoch have gone back (Redis restored from an older snapshot, a replica promoted before it had
 * everything), it moves the room to a new epoch first ({@link Broker#fence}).
 */
final class Delivery {

    private static final Logger log = LoggerFactory.getLogger(Delivery.class);
    /** How many times a catch-up's reads are tried before it is given up. */
    static final int ATTEMPTS = 30;
    /** How long a catch-up waits before it tries a failed read again. */
    static final Duration RETRY = Duration.ofSeconds(1);
    /** How long a read of the log may take before it counts as failed. */
    static final Duration READ_TIMEOUT = Duration.ofSeconds(10);

    private final Broker broker;
    private final FrameCodec codec;
    private final Replies replies;
    private final Lanes lanes;
    private final RoomMetrics metrics;
    private final int maxReplay;

    Delivery(Broker broker, FrameCodec codec, Replies replies, Lanes lanes, RoomMetrics metrics, int maxReplay) {
        this.broker = broker;
        this.codec = codec;
        this.replies = replies;
        this.lanes = lanes;
        this.metrics = metrics;
        this.maxReplay = maxReplay;
    }

    /** One publication of a room whose position is known. */
    void deliver(String room, Room state, String epoch, StoredMessage message) {
        if (!epoch.equals(state.epoch)) {
            catchUp(room, state);
            return;
        }
        if (message.offset() <= state.lastOffset) {
            return;
        }
        if (message.offset() > state.lastOffset + 1) {
            state.heldUpTo = Math.max(state.heldUpTo, message.offset()); // in the log: the catch-up delivers it
            catchUp(room, state);
            return;
        }
        fanOut(room, state, message);
    }

    /** Delivers whatever the log holds past the last offset delivered; one at a time per room. */
    void catchUp(String room, Room state) {
        if (state.catchingUp) {
            state.catchUpAgain = true; // once this one is done: it may have read before what asks now
            return;
        }
        state.catchingUp = true;
        read(room, state, 1);
    }

    private void read(String room, Room state, int attempt) {
        long heldAtRead = state.heldUpTo;
        broker.since(room, state.lastOffset, maxReplay).orTimeout(READ_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
                .whenComplete((page, error) -> onLane(room, state, () -> {
                    if (error != null) {
                        retry(room, state, attempt, error);
                    } else {
                        apply(room, state, page, attempt, heldAtRead);
                    }
                }));
    }

    /**
     * Delivers a page read for the catch-up. {@code heldAtRead}: the highest publication left to the
     * catch-up when the page was read; the page holds it unless the log lost it. One that arrived
     * later may have been stored after the read, and is read for.
     */
    private void apply(String room, Room state, HistoryPage page, int attempt, long heldAtRead) {
        if (page.epoch().equals(state.epoch) && page.stored() < state.lastOffset) {
            // Redis came back with less than this node delivered: new messages would reuse offsets
            // members hold. (With ack-replicas, stored rather than the position readers see: a
            // failover may lose a message's confirmation without losing the message.)
            log.warn("Room {} went back from offset {} to {} in epoch {}; moving it to a new epoch",
                    room, state.lastOffset, page.stored(), state.epoch);
            broker.fence(room, state.epoch, state.lastOffset).orTimeout(READ_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
                    .whenComplete((epoch, error) -> onLane(room, state, () -> {
                        if (error != null) {
                            retry(room, state, attempt, error);
                        } else {
                            read(room, state, attempt);
                        }
                    }));
            return;
        }
        if (!page.epoch().equals(state.epoch)) {
            changeEpoch(room, state, page.epoch());
            read(room, state, attempt); // the page was read after an offset of the old epoch
            return;
        }
        List<StoredMessage> messages = page.messages();
        for (StoredMessage message : messages) {
            if (message.offset() > state.lastOffset) {
                if (message.offset() > state.lastOffset + 1) {
                    reportGap(room, state, message.offset() - 1); // trimmed from the log
                }
                fanOut(room, state, message);
            }
        }
        long target = Math.max(page.offset(), state.heldUpTo);
        if (state.lastOffset < target && (messages.size() == maxReplay || state.heldUpTo > heldAtRead)) {
            read(room, state, attempt); // the next page, or what was stored after this one was read
            return;
        }
        if (state.lastOffset < target) {
            reportGap(room, state, target); // the rest is no longer in the log
        }
        state.catchingUp = false;
        state.heldUpTo = 0;
        if (state.catchUpAgain) {
            state.catchUpAgain = false;
            catchUp(room, state);
        }
    }

    private void retry(String room, Room state, int attempt, Throwable error) {
        if (attempt >= ATTEMPTS) {
            log.warn("Could not catch up room {} after {} attempts: {}", room, attempt, error.toString());
            state.catchingUp = false; // the next publication past a gap tries again
            return;
        }
        log.debug("Catching up room {} failed ({}); trying again", room, error.toString());
        CompletableFuture.delayedExecutor(RETRY.toMillis(), TimeUnit.MILLISECONDS)
                .execute(() -> onLane(room, state, () -> read(room, state, attempt + 1)));
    }

    /** Runs {@code work} on the room's lane if the room is still this one with its position known. */
    private void onLane(String room, Room state, Runnable work) {
        lanes.of(room).run(rooms -> {
            if (rooms.get(room) == state && state.positionKnown()) {
                work.run();
            } else {
                state.catchingUp = false;
            }
        });
    }

    /** Tells the members that the offsets after the last delivered one up to {@code to} will not come, and skips them. */
    void reportGap(String room, Room state, long to) {
        long from = state.lastOffset + 1;
        log.warn("Room {} skips offsets {}-{} of epoch {}: no longer in the log", room, from, to, state.epoch);
        EncodedFrame notice = replies.frame(new ServerFrame.Gap(room, state.epoch, from, to));
        for (Membership member : state.members.values()) {
            if (to > member.floor) {
                member.recipient.deliver(notice);
            }
        }
        state.skipped(to);
        metrics.gaps.increment();
    }

    private void changeEpoch(String room, Room state, String epoch) {
        log.info("Room {} changed epoch {} -> {} (its log was lost or went back)", room, state.epoch, epoch);
        EncodedFrame notice = replies.frame(new ServerFrame.EpochChanged(room, epoch, state.epoch));
        for (Membership member : state.members.values()) {
            member.recipient.deliver(notice);
            member.floor = 0;
        }
        state.changeEpoch(epoch);
    }

    void fanOut(String room, Room state, StoredMessage message) {
        EncodedFrame frame = EncodedFrame.shared(codec.message(room, state.epoch, message));
        int recipients = 0;
        for (Membership member : state.members.values()) {
            if (message.offset() > member.floor) {
                member.recipient.deliver(frame);
                recipients++;
            }
        }
        state.delivered(message);
        metrics.delivered.increment(recipients);
        metrics.fannedOut(codec.acceptedAt(message.body()));
    }
}
