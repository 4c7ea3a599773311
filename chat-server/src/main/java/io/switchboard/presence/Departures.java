package io.switchboard.presence;

import io.switchboard.protocol.Member;
import java.util.List;

/** Told of members that left a room without their own node telling it (see {@link Announcer#left}). */
@FunctionalInterface
interface Departures {

    /** {@code members} are gone from {@code room}, which has {@code remaining} members now. */
    void left(String room, List<Member> members, int remaining);
}
