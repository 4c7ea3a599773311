package io.switchboard.presence;

import io.switchboard.protocol.Member;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/** Presence for a single node: there is no other node, so nothing expires. Every future is complete on return. */
public final class InMemoryPresence implements Presence {

    private final Map<String, Map<String, Member>> rooms = new ConcurrentHashMap<>();

    @Override
    public CompletableFuture<List<Member>> join(String room, Member member) {
        rooms.computeIfAbsent(room, r -> new ConcurrentHashMap<>()).put(member.id(), member);
        return members(room);
    }

    @Override
    public CompletableFuture<List<Member>> members(String room) {
        Map<String, Member> members = rooms.get(room);
        return CompletableFuture.completedFuture(members == null ? List.of() : List.copyOf(members.values()));
    }

    @Override
    public CompletableFuture<Void> leave(String room, Member member) {
        rooms.computeIfPresent(room, (r, members) -> {
            members.remove(member.id());
            return members.isEmpty() ? null : members;
        });
        return CompletableFuture.completedFuture(null);
    }
}
