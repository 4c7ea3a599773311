package io.switchboard.protocol;

/**
 * What an ephemeral frame relayed to a room is, so that the node can treat each kind as it must
 * without reading the frame: a presence change must reach every member (a member list would stay
 * wrong), a typing notice may be dropped when a node is too busy.
 */
public enum EventKind {
    /** {@code presence}: a join, a leave, a member count. */
    PRESENCE,
    /** {@code typing}. */
    TYPING;

    /** How every encoded {@code typing} frame starts ({@link FrameCodec} writes the type property first). */
    private static final String TYPING_PREFIX = "{\"type\":\"typing\"";

    /**
     * The kind of an encoded frame that came without one: what a node of the release before sends
     * (its channel payload carries the frame only). Only the codec's own output is read this way.
     */
    public static EventKind ofEncoded(String frame) {
        return frame.startsWith(TYPING_PREFIX) ? TYPING : PRESENCE;
    }
}
