package io.switchboard.session;

import io.switchboard.protocol.Member;
import io.switchboard.room.Recipient;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import io.switchboard.protocol.EncodedFrame;

/** One client connection: its identity once it said hello, its rooms, its send budget and outbox. */
final class Connection implements Recipient {

    final String id;
    final Outbox outbox;
    final RateLimiter sendRate;
    private final Set<String> rooms = ConcurrentHashMap.newKeySet();
    private volatile Member member;
    private final AtomicBoolean moving = new AtomicBoolean();

    Connection(String id, Outbox outbox, RateLimiter sendRate) {
        this.id = id;
        this.outbox = outbox;
        this.sendRate = sendRate;
    }

    @Override
    public Member member() {
        return member;
    }

    void hello(Member member) {
        this.member = member;
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

    @Override
    public void deliver(EncodedFrame frame) {
        outbox.offer(frame);
    }

    @Override
    public boolean isOpen() {
        return outbox.isOpen();
    }

    @Override
    public void joinedRoom(String room) {
        rooms.add(room);
    }

    @Override
    public void leftRoom(String room) {
        rooms.remove(room);
    }
}
