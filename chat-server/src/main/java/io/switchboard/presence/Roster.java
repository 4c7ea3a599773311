package io.switchboard.presence;

import io.switchboard.protocol.Member;
import java.util.List;

/**
 * Who is in a room: how many members it has on every node, and at most the presence list limit of
 * them ({@code switchboard.presence.list-limit}). All of them when the room is no larger than that.
 */
public record Roster(List<Member> members, int count) {

    /** Whether {@link #members} lists every member. */
    public boolean complete() {
        return members.size() >= count;
    }
}
