package io.switchboard.session;

import io.switchboard.auth.Identity;
import io.switchboard.protocol.EncodedFrame;
import io.switchboard.protocol.Member;
import io.switchboard.room.Recipient;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import org.springframework.web.socket.CloseStatus;

/**
 * One client connection: its identity once it said hello, its rooms, its outbox, and the budgets
 * every frame it sends draws on: sends and typing, joins, leaves and history requests, everything
 * else (hello, auth, ping, WebSocket pings, invalid frames), and rooms it creates.
 */
final class Connection implements Recipient {

    final String id;
    /** The client's address (the socket's peer, or what a trusted proxy says it is). */
    final String address;
    final Outbox outbox;
    final RateLimiter sendRate;
    final RateLimiter joinRate;
    final RateLimiter otherRate;
    private final RateLimiter newRoomRate;
    /** Rooms created by each user and each address on this node, shared by their connections. */
    private final NewRoomRates newRoomRates;
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
    /** Closes the connection if no hello comes in time, then when its token expires; null when anonymous. */
    private Future<?> expiry;
    private final AtomicBoolean moving = new AtomicBoolean();

    /** The keys this connection is counted under (its address, its user), released when it closes. */
    final List<String> counted = new CopyOnWriteArrayList<>();

    Connection(String id, String address, Outbox outbox, RateLimiter sendRate, RateLimiter joinRate,
               RateLimiter otherRate, RateLimiter newRoomRate, NewRoomRates newRoomRates) {
        this.id = id;
        this.address = address;
        this.outbox = outbox;
        this.sendRate = sendRate;
        this.joinRate = joinRate;
        this.otherRate = otherRate;
        this.newRoomRate = newRoomRate;
        this.newRoomRates = newRoomRates;
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

    /** Sets what closes the connection at its deadline (hello, then token expiry), cancelling the one before. */
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

    /** In the room, or with a join of it not answered yet. */
    synchronized boolean isInOrJoining(String room) {
        return rooms.contains(room) || joining.contains(room);
    }

    /** The rooms it is in and those it is joining. */
    synchronized Set<String> roomsAndJoins() {
        Set<String> all = new HashSet<>(rooms);
        all.addAll(joining);
        return all;
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

    @Override
    public long newRoomWait() {
        Identity who = identity;
        return newRoomRates.waitFor(newRoomRate, who == null ? null : who.user(), address);
    }

    @Override
    public void createdRoom() {
        Identity who = identity;
        newRoomRates.charge(newRoomRate, who == null ? null : who.user(), address);
    }
}
