package io.switchboard.room;

import io.switchboard.broker.HistoryPage;
import io.switchboard.presence.Roster;
import io.switchboard.protocol.ClientFrame;
import io.switchboard.protocol.Position;
import io.switchboard.protocol.StoredMessage;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

/**
 * A join in flight: its lane registered it and issued its reads, and it completes on the lane when
 * they answer. Touched only on the room's lane.
 *
 * <p>While it is in flight, the member's later requests for the same room (a leave, another join)
 * wait here and run, in order, once it completed: they take effect in the order they were made.
 *
 * <p>{@link #replay} decides what the joiner gets: every offset in (its position, the room's last
 * offset], taken from the page read for it and from what the lane delivered meanwhile, with no
 * gap and no duplicate; live messages follow.
 */
final class PendingJoin {

    final Recipient recipient;
    final ClientFrame.Join request;
    /** The member was in the room already: it is answered {@code joined} again, without a replay. */
    final boolean already;
    /** The room's members on every node, as presence answered. */
    Roster roster;

    private final List<Runnable> waiting = new ArrayList<>();
    private long readAfter;
    private int readLimit;
    private boolean reread;

    PendingJoin(Recipient recipient, ClientFrame.Join request, boolean already) {
        this.recipient = recipient;
        this.request = request;
        this.already = already;
    }

    /** Runs {@code task} on the lane once this join completed. */
    void then(Runnable task) {
        waiting.add(task);
    }

    void completed() {
        recipient.joinEnded(request.room());
        waiting.forEach(Runnable::run);
        waiting.clear();
    }

    /** The offset the first page is read after: what the joiner needs if the room's position is known, else its own. */
    long firstReadAfter(Room room, int maxReplay) {
        Position since = request.since();
        if (since == null) {
            return 0;
        }
        return room.positionKnown() ? neededAfter(room, maxReplay) : since.offset();
    }

    /** Records the page being read: stored offsets after {@code after}, at most {@code limit} of them. */
    void reading(long after, int limit) {
        readAfter = after;
        readLimit = limit;
    }

    /** Records that the page is read again: a second miss is answered with what there is. */
    void rereading(long after, int limit) {
        reading(after, limit);
        reread = true;
    }

    /** The offset after which the joiner needs the log, at the room's position now: at most max-replay back. */
    long neededAfter(Room room, int maxReplay) {
        long from = Math.min(floor(room), room.lastOffset);
        return Math.max(from, room.lastOffset - maxReplay);
    }

    /**
     * What the joiner gets at the room's position now, or {@code null} when {@code page} and the
     * messages delivered meanwhile leave a hole that reading the page again (from
     * {@link #neededAfter}) fills: the page is of another epoch than the room's (the log was lost
     * during the read), it starts after the needed offsets (the joiner's epoch turned out to be
     * gone), it stops before them (more than max-replay were missed), or more than the room's
     * recent buffer was delivered since. After one reread the answer is the newest unbroken run of
     * messages up to the room's last offset, with {@code recovered: false}: never a gap before live
     * messages, never a duplicate.
     */
    Replay replay(Room room, HistoryPage page, int maxReplay) {
        Position since = request.since();
        if (since == null) {
            return new Replay(0, null, null, List.of());
        }
        boolean epochChanged = !since.epoch().equals(room.epoch);
        long floor = floor(room);
        long last = room.lastOffset;
        long from = neededAfter(room, maxReplay);
        boolean pageFits = page.epoch().equals(room.epoch) && readAfter <= from;
        long pageTop = pageTop(page);
        long recentFloor = room.recentFloor();
        boolean covered = from >= last || from >= recentFloor
                || pageFits && (pageTop >= last || pageTop >= recentFloor);
        if (!covered && !reread) {
            return null;
        }
        TreeMap<Long, StoredMessage> missed = new TreeMap<>();
        if (pageFits) {
            for (StoredMessage message : page.messages()) {
                if (message.offset() > from && message.offset() <= last) {
                    missed.put(message.offset(), message);
                }
            }
        }
        for (StoredMessage message : room.recent()) {
            if (message.offset() > from && message.offset() <= last) {
                missed.putIfAbsent(message.offset(), message);
            }
        }
        if (!covered) {
            long hole = last;
            for (long offset : missed.descendingKeySet()) {
                if (offset != hole) {
                    break;
                }
                hole--;
            }
            missed.headMap(hole, true).clear();
        }
        // Offsets are dense within an epoch: any one missing (no longer in the log, or past max-replay) shows here.
        boolean recovered = last - Math.min(floor, last) == missed.size();
        return new Replay(floor, recovered, epochChanged, List.copyOf(missed.values()));
    }

    /** The page holds every offset still stored after {@code readAfter} up to this one. */
    private long pageTop(HistoryPage page) {
        List<StoredMessage> messages = page.messages();
        if (messages.size() < readLimit) {
            return page.offset();
        }
        return messages.isEmpty() ? readAfter : messages.getLast().offset();
    }

    /** What the joiner already has, in the room's epoch: its offset, or nothing if its epoch is gone. */
    private long floor(Room room) {
        Position since = request.since();
        return since == null || !since.epoch().equals(room.epoch) ? 0 : since.offset();
    }

    /**
     * A joiner's answer.
     *
     * @param floor        offsets up to this one the joiner already has (it may be ahead of this node)
     * @param recovered    {@code joined.recovered} ({@code null} without {@code since})
     * @param epochChanged {@code joined.epochChanged} ({@code null} without {@code since})
     * @param messages     the missed messages, oldest first, up to the room's last offset
     */
    record Replay(long floor, Boolean recovered, Boolean epochChanged, List<StoredMessage> messages) {}
}
