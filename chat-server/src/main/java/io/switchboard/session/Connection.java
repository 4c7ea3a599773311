package io.switchboard.session;

import io.switchboard.protocol.Member;
import io.switchboard.room.Recipient;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.web.socket.TextMessage;

/** One client connection: its identity once it said hello, its rooms, its send budget and outbox. */
final class Connection implements Recipient {

    final String id;
    final Outbox outbox;
    final RateLimiter sendRate;
    private final Set<String> rooms = ConcurrentHashMap.newKeySet();
    private volatile Member member;

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

    boolean isIn(String room) {
        return rooms.contains(room);
    }

    Set<String> rooms() {
        return rooms;
    }

    @Override
    public void deliver(TextMessage frame) {
        outbox.offer(frame);
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
