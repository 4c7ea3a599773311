package io.switchboard.presence;

import io.switchboard.protocol.Member;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;
import tools.jackson.databind.util.RawValue;

/**
 * Who is in a room: how many members it has on every node, and at most the presence list limit of
 * them ({@code switchboard.presence.list-limit}). All of them when the room is no larger than that.
 *
 * <p>A roster read from Redis keeps each member as the JSON text it was stored as, and a
 * {@code joined} frame carries that text as it is ({@link #onTheWire}): decoding every member of
 * the room for each join took 3.6% of a node's CPU in a reconnect storm, encoding them again more
 * (docs/benchmarks.md, "Reconnect storms"). {@link #members} decodes them only when asked.
 */
public final class Roster {

    private final int count;
    /** The stored JSON of each listed member, or null when the roster was built from members. */
    private final List<String> stored;
    private final Function<String, Member> decode;
    private volatile List<Member> members;

    public Roster(List<Member> members, int count) {
        this.members = List.copyOf(members);
        this.count = count;
        this.stored = null;
        this.decode = null;
    }

    private Roster(List<String> stored, int count, Function<String, Member> decode) {
        this.stored = stored;
        this.count = count;
        this.decode = decode;
    }

    /** A roster of members as a store keeps them, each one's JSON text; {@code decode} reads one when asked. */
    public static Roster stored(List<String> json, int count, Function<String, Member> decode) {
        return new Roster(List.copyOf(json), count, decode);
    }

    /** The listed members. */
    public List<Member> members() {
        List<Member> decoded = members;
        if (decoded == null) {
            decoded = stored.stream().map(decode).toList();
            members = decoded;
        }
        return decoded;
    }

    /** The listed members as a frame carries them: the stored JSON spliced in as it is, or the members. */
    public List<?> onTheWire() {
        return stored == null ? members : stored.stream().map(RawValue::new).toList();
    }

    /** How many members the room has on every node. */
    public int count() {
        return count;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof Roster roster && count == roster.count && members().equals(roster.members());
    }

    @Override
    public int hashCode() {
        return Objects.hash(members(), count);
    }

    @Override
    public String toString() {
        return "Roster[members=" + members() + ", count=" + count + "]";
    }
}
