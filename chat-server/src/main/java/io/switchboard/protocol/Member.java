package io.switchboard.protocol;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * One connection present in a room: its session id, display name and the node holding it, and the
 * user id its token proved ({@code switchboard.auth.mode=jwt}); without {@code user} the member is
 * anonymous and its name is whatever it said in {@code hello}.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Member(String id, String name, String node, String user) {

    /** An anonymous member. */
    public Member(String id, String name, String node) {
        this(id, name, node, null);
    }

    /**
     * The user the server API names this member by (to ban or disconnect it): its token's user, or,
     * anonymous, its name.
     */
    public String account() {
        return user != null ? user : name;
    }

    /**
     * Whose {@code clientMsgId}s this member's are: its user's, or, anonymous, those of anyone using
     * its name (an anonymous sender is who it says it is). Two senders' ids never collide, so no
     * one's message can be taken for a retry of another's.
     */
    public String dedupeScope() {
        return user != null ? "u:" + user : "n:" + name;
    }
}
