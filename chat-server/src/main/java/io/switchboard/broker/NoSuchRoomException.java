package io.switchboard.broker;

/** A join asked for a room that does not exist and may not create it ({@link Broker#open}). */
public final class NoSuchRoomException extends RuntimeException {

    public NoSuchRoomException(String room) {
        super("room " + room + " does not exist", null, false, false);
    }
}
