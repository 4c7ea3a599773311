package io.switchboard.room;

import io.switchboard.protocol.EncodedFrame;
import io.switchboard.protocol.Member;

/**
 * A local connection as the room layer sees it. {@link #deliver} must not block: it queues the
 * frame (the same instance for every member) or disconnects a recipient that cannot keep up.
 */
public interface Recipient {

    Member member();

    void deliver(EncodedFrame frame);

    /**
     * Whether the connection is still open. Must be false by the time its close is handled (its
     * rooms left): a join that completes for a recipient that is no longer open is undone, since
     * the close did not see it in the room.
     */
    boolean isOpen();

    /** Called on the room's thread once the recipient is in the room / out of it. */
    void joinedRoom(String room);

    /** Called once a join of the recipient's was answered, {@code joined} or an error. */
    void joinEnded(String room);

    void leftRoom(String room);

    /**
     * 0 if the recipient may create a room that does not exist yet now, else the milliseconds until
     * it may (its budgets for new rooms: {@code switchboard.limits.new-rooms}). A join of an
     * existing room needs none.
     */
    default long newRoomWait() {
        return 0;
    }

    /** The recipient's join created its room: charged to its budgets for new rooms. */
    default void createdRoom() {
    }
}
