package io.switchboard.session;

import io.switchboard.auth.Identity;
import io.switchboard.protocol.EncodedFrame;
import io.switchboard.protocol.Member;
import io.switchboard.room.Recipient;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import org.springframework.web.socket.CloseStatus;

/** One client connection: its identity once it said hello, its rooms, its send budget and outbox. */
final class Connection implements Recipient {

    final String id;
    final Outbox outbox;
    final RateLimiter sendRate;
    final RateLimiter joinRate;
    private final Set<String> rooms = ConcurrentHashMap.newKeySet();
    /** Rooms asked for whose join is not answered yet; they count against the room limit. */
    private final Set<String> joining = ConcurrentHashMap.newKeySet();
    /** When a frame last came from the client, and when the node last pinged it (System.nanoTime()). */
    private volatile long heardAt = System.nanoTime();
    private volatile long pingedAt;
    /**
     * Frames refused for a rate limit since the last one taken. Only the connection's frame
     * handling touches it, one frame at a time (Jetty reads the next once this one is done).
     */
    private int refusedInARow;
    private volatile Member member;
    private volatile Identity identity;
    /** Closes the connection when its token expires; null when anonymous. */
    private Future<?> expiry;
    private final AtomicBoolean moving = new AtomicBoolean();

    /** The keys this connection is counted under (its address, its user), released when it closes. */
    final List<String> counted = new CopyOnWriteArrayList<>();

    Connection(String id, Outbox outbox, RateLimiter sendRate, RateLimiter joinRate) {
        this.id = id;
        this.outbox = outbox;
        this.sendRate = sendRate;
        this.joinRate = joinRate;
    }

    @Override
    public Member member() {
        return member;
    }

    void hello(Member member, Identity identity) {
        this.identity = identity;
        this.member = member;
    }

    Identity identity() {
        return identity;
    }

    /** Takes a fresher token's identity (same user), and its expiry in place of the old one's. */
    synchronized void refreshed(Identity fresh, Future<?> newExpiry) {
        identity = fresh;
        expiresWith(newExpiry);
    }

    /** Sets what closes the connection when its token expires, cancelling the one before. */
    synchronized void expiresWith(Future<?> newExpiry) {
        if (expiry != null) {
            expiry.cancel(false);
        }
        expiry = newExpiry;
    }

    /** Marks the connection as told to move to another node; false if it was already. */
    boolean markMoving() {
        return moving.compareAndSet(false, true);
    }

    boolean isMoving() {
        return moving.get();
    }

    boolean isIn(String room) {
        return rooms.contains(room);
    }

    Set<String> rooms() {
        return rooms;
    }

    /**
     * Takes a place for {@code room} among at most {@code max} rooms, counting joins in flight, so
     * many joins sent at once cannot pass the limit; false if there is none.
     */
    synchronized boolean reserveJoin(String room, int max) {
        if (rooms.contains(room) || joining.contains(room)) {
            return true;
        }
        if (rooms.size() + joining.size() >= max) {
            return false;
        }
        joining.add(room);
        return true;
    }

    void heard(long now) {
        heardAt = now;
    }

    /**
     * The heartbeat: pings a connection quiet for {@code interval}, and closes one that stayed quiet
     * for {@code timeout} after the ping (a half-open socket: a dead phone, a proxy that dropped it).
     */
    void heartbeat(long now, long interval, long timeout, CloseStatus silent) {
        long heard = heardAt;
        long pinged = pingedAt;
        if (pinged - heard > 0) { // pinged since the last frame came
            if (now - pinged > timeout) {
                outbox.close(silent);
            }
        } else if (now - heard > interval) {
            pingedAt = now;
            outbox.ping();
        }
    }

    /** Counts a frame a rate limit refused; true once {@code threshold} were refused in a row. */
    boolean refusedAgain(int threshold) {
        return ++refusedInARow >= threshold;
    }

    void taken() {
        refusedInARow = 0;
    }

    @Override
    public void deliver(EncodedFrame frame) {
        outbox.offer(frame);
    }

    @Override
    public boolean isOpen() {
        return outbox.isOpen();
    }

    @Override
    public synchronized void joinedRoom(String room) {
        rooms.add(room);
        joining.remove(room);
    }

    @Override
    public synchronized void joinEnded(String room) {
        joining.remove(room);
    }

    @Override
    public void leftRoom(String room) {
        rooms.remove(room);
    }
}
