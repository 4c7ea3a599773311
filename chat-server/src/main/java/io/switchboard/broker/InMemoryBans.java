package io.switchboard.broker;

import java.time.Clock;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** The in-memory broker's bans ({@link Broker#ban}): room → user → ban; a ban outlives its room's log, as with Redis. */
final class InMemoryBans {

    private final Map<String, Map<String, Ban>> bans = new ConcurrentHashMap<>();
    private final Clock clock;

    InMemoryBans(Clock clock) {
        this.clock = clock;
    }

    void ban(String room, Ban ban) {
        bans.computeIfAbsent(room, r -> new ConcurrentHashMap<>()).put(ban.user(), ban);
    }

    /** Whether a ban was in force. */
    boolean unban(String room, String user) {
        Map<String, Ban> held = bans.get(room);
        Ban lifted = held == null ? null : held.remove(user);
        return lifted != null && lifted.holdsAt(clock.millis());
    }

    /** In the order they end, those for good last; ended ones are dropped. */
    List<Ban> inForce(String room) {
        long now = clock.millis();
        Map<String, Ban> held = bans.get(room);
        if (held == null) {
            return List.of();
        }
        held.values().removeIf(ban -> !ban.holdsAt(now));
        return held.values().stream()
                .sorted(Comparator.comparing(Ban::until, Comparator.nullsLast(Comparator.naturalOrder()))).toList();
    }

    /** The ban in force on {@code user} (null: nobody) in the room, as the exception a refused call fails with; else null. */
    BannedException refusal(String room, String user) {
        Map<String, Ban> held = user == null ? null : bans.get(room);
        Ban ban = held == null ? null : held.get(user);
        return ban != null && ban.holdsAt(clock.millis()) ? new BannedException(room, ban) : null;
    }
}
