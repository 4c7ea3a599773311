package io.switchboard.protocol;

/**
 * Where a single node's broker and presence put the room events webhooks deliver (with Redis the
 * scripts append them to the room's event stream instead). Called under the caller's own lock, in
 * the order the events happened in the room: must not block.
 */
public interface RoomEventSink {

    /** Nothing wants room events: no webhook is configured. */
    RoomEventSink NONE = new RoomEventSink() {
        @Override
        public boolean wants(RoomEventType type) {
            return false;
        }

        @Override
        public void append(String room, RoomEventType type, String epoch, long offset, String data) {
        }
    };

    /** Whether a webhook wants events of {@code type}; none is appended otherwise. */
    boolean wants(RoomEventType type);

    /** Appends an event to the room's events (see {@link RoomEvent} for the fields). */
    void append(String room, RoomEventType type, String epoch, long offset, String data);
}
