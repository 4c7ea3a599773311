package io.switchboard.support;

import java.util.UUID;

/**
 * Names no other test run uses: each Redis test takes its own key prefix (and a contract test its own
 * room or key), so tests never see each other's keys, even on a Redis they share.
 */
public final class Unique {

    private Unique() {
    }

    /** A key prefix: {@code name}, eight random hex digits and a colon ({@code t-1a2b3c4d:}). */
    public static String prefix(String name) {
        return name(name) + ":";
    }

    /** {@code name}, a dash and eight random hex digits ({@code room-1a2b3c4d}). */
    public static String name(String name) {
        return name + "-" + UUID.randomUUID().toString().substring(0, 8);
    }
}
