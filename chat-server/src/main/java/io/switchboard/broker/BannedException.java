package io.switchboard.broker;

import java.time.Instant;

/** The user is banned from the room ({@link Broker#ban}): its join or send was refused, nothing was written. */
public final class BannedException extends RuntimeException {

    private final transient Ban ban;

    public BannedException(String room, Ban ban) {
        super(ban.user() + " is banned from room " + room + (ban.until() == null ? "" : " until " + ban.until()),
                null, false, false);
        this.ban = ban;
    }

    /** When the ban ends; null for good. */
    public Instant until() {
        return ban.until();
    }
}
