package io.switchboard.room;

import io.switchboard.protocol.StoredMessage;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * One room's state on this node. Touched only on the room's lane, so nothing here is locked.
 *
 * <p>Besides the members and the position (the epoch and the last offset delivered here), a room
 * keeps what lets a join complete without its lane ever waiting for Redis:
 * <ul>
 *   <li>the joins in flight, by member id: while one is in flight the room stays subscribed, and
 *       that member's later requests for the room wait for it;</li>
 *   <li>{@code early}: publications that arrive while the position is not known yet (the room is
 *       new on this node: the subscription is active, the first page of the log is on its way).
 *       They are delivered once it is known;</li>
 *   <li>{@code recent}: the messages delivered while any join is in flight. A join's page of the
 *       log was read at some moment in that time; every offset delivered here after that moment is
 *       in {@code recent}, so the page and {@code recent} together reach the last offset.</li>
 * </ul>
 * Both buffers hold at most {@code bound} messages and drop their oldest when full. A dropped early
 * publication becomes a gap that delivery repairs from the log; a dropped recent one raises
 * {@link #recentFloor()}, and a join that needed it reads its page again.
 */
final class Room {

    final Map<String, Membership> members = new LinkedHashMap<>();
    final Map<String, PendingJoin> joining = new HashMap<>();
    /** Completes once this node's subscription to the room is active; a page read after it misses nothing. */
    final CompletableFuture<Void> subscribed;
    /** The room's epoch, or {@code null} while its position is not known. */
    String epoch;
    long lastOffset;
    /** A catch-up from the log is under way (or waits to be tried again): later publications wait for it. */
    boolean catchingUp;
    /** Another catch-up was asked for while one was under way: it runs once this one is done. */
    boolean catchUpAgain;
    /** The highest offset of this epoch that arrived past a gap, left to the catch-up. */
    long heldUpTo;

    private final int bound;
    private final ArrayDeque<Publication> early = new ArrayDeque<>();
    private final ArrayDeque<StoredMessage> recent = new ArrayDeque<>();
    private long recentFloor;

    Room(CompletableFuture<Void> subscribed, int bound) {
        this.subscribed = subscribed;
        this.bound = bound;
    }

    boolean positionKnown() {
        return epoch != null;
    }

    /** Sets the position read from the log, and hands back the publications that arrived before it. */
    List<Publication> position(String epoch, long offset) {
        this.epoch = epoch;
        this.lastOffset = offset;
        recent.clear();
        recentFloor = offset;
        List<Publication> before = new ArrayList<>(early);
        early.clear();
        return before;
    }

    /** Keeps a publication that arrived before the position was known. */
    void hold(String epoch, StoredMessage message) {
        if (early.size() == bound) {
            early.removeFirst();
        }
        early.addLast(new Publication(epoch, message));
    }

    /** Records that {@code message} was handed to the members: it is the last offset now. */
    void delivered(StoredMessage message) {
        lastOffset = message.offset();
        if (joining.isEmpty()) {
            return;
        }
        if (recent.size() == bound) {
            recentFloor = recent.removeFirst().offset();
        }
        recent.addLast(message);
    }

    /**
     * Offsets after the last one up to {@code offset} will not be delivered here (see
     * {@code Rooms.reportGap}): the position moves past them. A join in flight whose page does not
     * reach them any more reads its page again.
     */
    void skipped(long offset) {
        lastOffset = offset;
        recent.clear();
        recentFloor = offset;
    }

    /** The room's log was lost: offsets restart at 1 in {@code epoch}. */
    void changeEpoch(String epoch) {
        this.epoch = epoch;
        this.lastOffset = 0;
        this.heldUpTo = 0;
        recent.clear();
        recentFloor = 0;
    }

    void joinStarted(String memberId, PendingJoin join) {
        if (joining.isEmpty()) {
            recent.clear();
            recentFloor = lastOffset;
        }
        joining.put(memberId, join);
    }

    void joinEnded(String memberId) {
        joining.remove(memberId);
        if (joining.isEmpty()) {
            recent.clear();
        }
    }

    /** {@link #recent()} holds every offset delivered here above this one, up to {@link #lastOffset}. */
    long recentFloor() {
        return recentFloor;
    }

    /** The messages delivered while a join was in flight, oldest first. */
    Iterable<StoredMessage> recent() {
        return recent;
    }

    /** No local member and no join in flight: the node need not listen to the room. */
    boolean isUnused() {
        return members.isEmpty() && joining.isEmpty();
    }

    /** A publication as the broker delivered it. */
    record Publication(String epoch, StoredMessage message) {}

    /** A local member of a room; offsets up to {@code floor} (of the current epoch) it already has. */
    static final class Membership {
        final Recipient recipient;
        long floor;

        Membership(Recipient recipient, long floor) {
            this.recipient = recipient;
            this.floor = floor;
        }
    }
}
