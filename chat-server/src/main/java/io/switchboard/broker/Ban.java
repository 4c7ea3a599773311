package io.switchboard.broker;

import java.time.Instant;
import java.time.temporal.ChronoUnit;

/**
 * A user kept out of a room: refused on join and send until {@code until} (null: until the ban is
 * lifted), to the millisecond, as every broker keeps it. The user is the one the protocol's
 * {@link io.switchboard.protocol.Member#account()} names.
 */
public record Ban(String user, Instant until) {

    public Ban {
        until = until == null ? null : until.truncatedTo(ChronoUnit.MILLIS);
    }

    /** A ban as the scripts store its end: epoch ms, or {@code inf} for good. */
    static Ban of(String user, String until) {
        return new Ban(user, "inf".equals(until) ? null : Instant.ofEpochMilli((long) Double.parseDouble(until)));
    }

    /** Its end as the scripts store it. */
    String storedUntil() {
        return until == null ? "inf" : Long.toString(until.toEpochMilli());
    }

    /** Still in force at {@code nowMillis}. */
    boolean holdsAt(long nowMillis) {
        return until == null || until.toEpochMilli() > nowMillis;
    }
}
