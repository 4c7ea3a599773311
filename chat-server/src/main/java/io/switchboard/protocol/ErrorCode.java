package io.switchboard.protocol;

import com.fasterxml.jackson.annotation.JsonValue;

/** The {@code code} of an {@code error} frame. The wire value is the lower-case name. */
public enum ErrorCode {
    /** The frame is not a JSON object. */
    BAD_JSON,
    /** The {@code type} field is missing or names no frame. */
    UNKNOWN_TYPE,
    /** A field is missing, of the wrong kind or out of range. */
    BAD_FRAME,
    /** The room name is not 1-64 characters of {@code A-Z a-z 0-9 _ - . :}. */
    INVALID_ROOM,
    /** The text is empty or longer than {@code switchboard.limits.max-text-length}. */
    TEXT_TOO_LONG,
    /** {@code hello} must be the first frame (and comes only once). */
    HELLO_REQUIRED,
    /** The connection is not in that room. */
    NOT_JOINED,
    /** The connection is in too many rooms. */
    TOO_MANY_ROOMS,
    /**
     * More sends and typing notices than {@code switchboard.limits.messages-per-second} allows, or
     * more joins and history requests than {@code joins-per-second}; {@code retryAfterMs} says when
     * the next is taken.
     */
    RATE_LIMITED,
    /** The token is missing, invalid, expired or for another user; in {@code hello} the connection is then closed with 4001. */
    UNAUTHORIZED,
    /** The user holds {@code switchboard.limits.max-connections-per-user} connections already; the connection is closed with 1008. */
    TOO_MANY_CONNECTIONS,
    /** The room is neither public nor granted by the connection's token. */
    FORBIDDEN,
    /** The broker (Redis) cannot be reached; nothing was stored. Retry with the same clientMsgId. */
    BROKER_UNAVAILABLE,
    /** The node has more room work queued than it takes ({@code switchboard.rooms.lane-capacity}): retry later. */
    OVERLOADED,
    /**
     * {@code hello} asked for a protocol version this node does not serve (it serves the one in
     * {@code welcome} and the one before); the connection stays, and may say hello again.
     */
    UNSUPPORTED_PROTOCOL;

    @JsonValue
    public String wire() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
