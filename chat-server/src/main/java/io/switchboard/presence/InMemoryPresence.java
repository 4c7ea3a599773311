package io.switchboard.presence;

import io.switchboard.protocol.FrameCodec;
import io.switchboard.protocol.Member;
import io.switchboard.protocol.RoomEventSink;
import io.switchboard.protocol.RoomEventType;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/** Presence for a single node: there is no other node, so nothing expires. Every future is complete on return. */
public final class InMemoryPresence implements Presence {

    private final Map<String, Map<String, Member>> rooms = new ConcurrentHashMap<>();
    private final int listLimit;
    private final FrameCodec codec;
    private final RoomEventSink events;

    public InMemoryPresence(int listLimit) {
        this(listLimit, null, RoomEventSink.NONE);
    }

    /** The same, putting room.occupied/vacated and member.joined/left events in {@code events} (webhooks). */
    public InMemoryPresence(int listLimit, FrameCodec codec, RoomEventSink events) {
        this.listLimit = listLimit;
        this.codec = codec;
        this.events = events;
    }

    @Override
    public CompletableFuture<Roster> join(String room, Member member) {
        rooms.compute(room, (r, members) -> {
            Map<String, Member> present = members == null ? new ConcurrentHashMap<>() : members;
            if (present.isEmpty()) {
                event(room, RoomEventType.ROOM_OCCUPIED, null);
            }
            if (present.put(member.id(), member) == null) {
                event(room, RoomEventType.MEMBER_JOINED, member);
            }
            return present;
        });
        return members(room);
    }

    /** Appended under the room's entry's lock (inside {@code compute}): the room's events keep their order. */
    private void event(String room, RoomEventType type, Member member) {
        if (events.wants(type)) {
            events.append(room, type, null, 0, member == null ? null : codec.encodeMember(member));
        }
    }

    @Override
    public CompletableFuture<Roster> members(String room) {
        Map<String, Member> members = rooms.get(room);
        if (members == null) {
            return CompletableFuture.completedFuture(new Roster(List.of(), 0));
        }
        return CompletableFuture.completedFuture(
                new Roster(members.values().stream().limit(listLimit).toList(), members.size()));
    }

    @Override
    public CompletableFuture<Integer> count(String room) {
        Map<String, Member> members = rooms.get(room);
        return CompletableFuture.completedFuture(members == null ? 0 : members.size());
    }

    @Override
    public CompletableFuture<Integer> leave(String room, Member member) {
        Map<String, Member> left = rooms.computeIfPresent(room, (r, members) -> {
            if (members.remove(member.id()) != null) {
                event(room, RoomEventType.MEMBER_LEFT, member);
                if (members.isEmpty()) {
                    event(room, RoomEventType.ROOM_VACATED, null);
                }
            }
            return members.isEmpty() ? null : members;
        });
        return CompletableFuture.completedFuture(left == null ? 0 : left.size());
    }
}
