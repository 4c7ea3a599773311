package io.switchboard.support;

import java.util.List;
import java.util.Map;

/**
 * Reads {@code presence} frames as a client must: a join or leave comes on its own
 * ({@code action} {@code join} or {@code leave}, one {@code member}) or gathered with others of the
 * same batch interval ({@code action} {@code batch}, {@code joins} and {@code leaves}).
 */
public final class PresenceFrames {

    private PresenceFrames() {
    }

    /** The members {@code frame} announces as {@code action} ({@code join} or {@code leave}); none if it is no such frame. */
    public static List<Map<?, ?>> announced(Map<String, ?> frame, String action) {
        if (!"presence".equals(frame.get("type"))) {
            return List.of();
        }
        if (action.equals(frame.get("action"))) {
            return List.of((Map<?, ?>) frame.get("member"));
        }
        if ("batch".equals(frame.get("action")) && frame.get(action + "s") instanceof List<?> members) {
            return members.stream().<Map<?, ?>>map(member -> (Map<?, ?>) member).toList();
        }
        return List.of();
    }

    /** Whether {@code frame} announces {@code action} of a member whose {@code field} is {@code value}. */
    public static boolean announces(Map<String, ?> frame, String action, String field, String value) {
        return announced(frame, action).stream().anyMatch(member -> value.equals(member.get(field)));
    }

    /** Whether {@code frame} announces {@code action} of anyone. */
    public static boolean announcesAny(Map<String, ?> frame, String action) {
        return !announced(frame, action).isEmpty();
    }
}
