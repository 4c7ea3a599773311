package io.switchboard.presence;

import io.switchboard.protocol.Member;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/** Presence for a single node: there is no other node, so nothing expires. Every future is complete on return. */
public final class InMemoryPresence implements Presence {

    private final Map<String, Map<String, Member>> rooms = new ConcurrentHashMap<>();
    private final int listLimit;

    public InMemoryPresence(int listLimit) {
        this.listLimit = listLimit;
    }

    @Override
    public CompletableFuture<Roster> join(String room, Member member) {
        rooms.computeIfAbsent(room, r -> new ConcurrentHashMap<>()).put(member.id(), member);
        return members(room);
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
            members.remove(member.id());
            return members.isEmpty() ? null : members;
        });
        return CompletableFuture.completedFuture(left == null ? 0 : left.size());
    }
}
