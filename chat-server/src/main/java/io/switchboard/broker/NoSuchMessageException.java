package io.switchboard.broker;

/** {@link Broker#delete} named an offset the room's log does not hold (never stored, trimmed, or of another epoch). */
public final class NoSuchMessageException extends RuntimeException {

    public NoSuchMessageException(String message) {
        super(message, null, false, false);
    }
}
