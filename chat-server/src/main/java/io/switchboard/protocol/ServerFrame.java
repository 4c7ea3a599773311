package io.switchboard.protocol;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import com.fasterxml.jackson.annotation.JsonTypeName;
import java.util.List;

/**
 * A frame the server sends. {@code message} and {@code history} frames are not here: they carry
 * message bodies that are spliced in already encoded (see {@link FrameCodec#message}), so a
 * message is encoded once per node, never once per recipient.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, include = JsonTypeInfo.As.PROPERTY, property = "type")
@JsonInclude(JsonInclude.Include.NON_NULL)
public sealed interface ServerFrame {

    /** First frame on every connection. */
    @JsonTypeName("welcome")
    record Welcome(String sessionId, String node, int protocol) implements ServerFrame {}

    /**
     * Answer to {@code hello}: {@code anonymous} true and no {@code user} when the name is only what
     * the client said; else the token's user, and when its token expires (epoch ms).
     */
    @JsonTypeName("hello_ok")
    record HelloOk(String sessionId, String name, String user, boolean anonymous, Long expiresAt, String ref)
            implements ServerFrame {}

    /** Answer to {@code auth}: the connection now lives until the new token expires (epoch ms). */
    @JsonTypeName("auth_ok")
    record AuthOk(long expiresAt, String ref) implements ServerFrame {}

    /**
     * Answer to {@code join}. {@code offset} is the room's position when the joiner was added;
     * live messages follow with higher offsets. With {@code since}, the missed messages come
     * right after this frame as {@code message} frames; {@code recovered} is false when some of
     * them were no longer in the log, {@code epochChanged} true when the client's epoch is gone
     * and delivery restarted from the new epoch's first stored message. Each of {@code members} is
     * a {@link Member}, or a member's JSON as presence stored it, written as it is (a Jackson
     * {@code RawValue}).
     */
    @JsonTypeName("joined")
    record Joined(String room, String epoch, long offset, List<?> members, int memberCount, Boolean recovered,
                  Boolean epochChanged, String ref) implements ServerFrame {}

    /**
     * Answer to {@code leave}; or sent unasked, with a {@code reason} (an error code), when the
     * connection may no longer be in the room (a refreshed token that does not grant it).
     */
    @JsonTypeName("left")
    record Left(String room, String reason, String ref) implements ServerFrame {}

    /** Answer to {@code send}: the message is stored at this position (or was already). */
    @JsonTypeName("ack")
    record Ack(String room, String clientMsgId, String epoch, long offset, boolean duplicate, String ref)
            implements ServerFrame {}

    /** Someone entered ({@code action = "join"}) or left ({@code "leave"}) a room. */
    @JsonTypeName("presence")
    record Presence(String room, String action, Member member) implements ServerFrame {}

    /**
     * Several joins and leaves of a room gathered over the presence batch interval ({@code action =
     * "batch"}): a client adds {@code joins}, then removes {@code leaves} (a member who came and went
     * within the interval is in both).
     */
    @JsonTypeName("presence")
    record PresenceBatch(String room, String action, List<Member> joins, List<Member> leaves) implements ServerFrame {
        public static PresenceBatch of(String room, List<Member> joins, List<Member> leaves) {
            return new PresenceBatch(room, "batch", joins, leaves);
        }
    }

    /**
     * How many members a room larger than the presence list limit has ({@code action = "count"}):
     * sent instead of a {@code presence} frame per join and leave, at most once per count interval.
     */
    @JsonTypeName("presence")
    record MemberCount(String room, String action, int memberCount) implements ServerFrame {
        public static MemberCount of(String room, int memberCount) {
            return new MemberCount(room, "count", memberCount);
        }
    }

    /** Someone in the room is typing. */
    @JsonTypeName("typing")
    record Typing(String room, Member member) implements ServerFrame {}

    /**
     * The room's log was lost (Redis restarted without persistence): offsets restart in the new
     * epoch, and the messages of the new epoch follow.
     */
    @JsonTypeName("epoch_changed")
    record EpochChanged(String room, String epoch, String previousEpoch) implements ServerFrame {}

    /**
     * Messages {@code from}-{@code to} of the room's epoch could not be delivered to this member:
     * the log no longer holds them, or could not be read when they were missed. Live delivery goes
     * on from {@code to + 1}; {@code history} reads whatever of the gap is still stored.
     */
    @JsonTypeName("gap")
    record Gap(String room, String epoch, long from, long to) implements ServerFrame {}

    /** A request could not be served; the connection stays open. */
    @JsonTypeName("error")
    record Error(ErrorCode code, String message, Long retryAfterMs, String ref) implements ServerFrame {

        public Error(ErrorCode code, String message, String ref) {
            this(code, message, null, ref);
        }
    }

    /** The server asks the client to reconnect (to any node) after the given delay. */
    @JsonTypeName("reconnect")
    record Reconnect(String reason, long retryAfterMs) implements ServerFrame {}

    /** Answer to {@code ping}. */
    @JsonTypeName("pong")
    record Pong(String ref, long ts) implements ServerFrame {}
}
