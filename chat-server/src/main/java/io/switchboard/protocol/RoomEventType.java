package io.switchboard.protocol;

import java.util.Arrays;
import java.util.Optional;

/** What happened in a room, as webhooks are told (docs/webhooks.md); the wire name is {@link #wire()}. */
public enum RoomEventType {
    /** A message was stored (from a client or the server API). */
    MESSAGE_CREATED("message.created"),
    /** A message became a tombstone. */
    MESSAGE_DELETED("message.deleted"),
    /** The room got its first member, on any node. */
    ROOM_OCCUPIED("room.occupied"),
    /** The room lost its last member, on every node (left, closed, or its node died). */
    ROOM_VACATED("room.vacated"),
    /** A member (one connection) entered the room. */
    MEMBER_JOINED("member.joined"),
    /** A member left the room, closed, or went with its node. */
    MEMBER_LEFT("member.left");

    private final String wire;

    RoomEventType(String wire) {
        this.wire = wire;
    }

    public String wire() {
        return wire;
    }

    public static Optional<RoomEventType> ofWire(String wire) {
        return Arrays.stream(values()).filter(type -> type.wire.equals(wire)).findFirst();
    }
}
