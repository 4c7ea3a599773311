package io.switchboard.redis;

import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.ZAddArgs;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.switchboard.protocol.RoomEventType;
import java.time.Duration;
import java.util.Arrays;
import java.util.Set;

/**
 * Which room events the scripts append to a room's event stream for the webhooks, and where: the
 * stream and its state share the room's hash slot, so the script that stores a message (or a
 * tombstone, or a member) appends its event in the same step. The room is also marked due in the
 * webhooks' index ({@code P{webhooks}:due}): by the script itself on one Redis or Sentinel; on a
 * Redis Cluster, where a script touches one slot only, by the node right after it ({@link
 * #appended}).
 */
public final class RoomEventCapture {

    private final Set<RoomEventType> wanted;
    private final RedisKeys keys;
    private final boolean cluster;
    private final String lifetimeSeconds;

    public RoomEventCapture(Set<RoomEventType> wanted, RedisKeys keys, AbstractRedisClient client, Duration lifetime) {
        this.wanted = Set.copyOf(wanted);
        this.keys = keys;
        this.cluster = client instanceof RedisClusterClient;
        this.lifetimeSeconds = Long.toString(Math.max(1, lifetime.toSeconds()));
    }

    public boolean wants(RoomEventType type) {
        return wanted.contains(type);
    }

    /** A script's flag for {@code type}: {@code 1} to append it. */
    public String flag(RoomEventType type) {
        return wants(type) ? "1" : "0";
    }

    /** {@code presence.lua}'s flags: {@code o} occupancy, {@code m} members. */
    public String presenceFlags() {
        return (wants(RoomEventType.ROOM_OCCUPIED) || wants(RoomEventType.ROOM_VACATED) ? "o" : "")
                + (wants(RoomEventType.MEMBER_JOINED) || wants(RoomEventType.MEMBER_LEFT) ? "m" : "");
    }

    /** How long a room's events are kept without a new one (seconds). */
    public String lifetimeSeconds() {
        return lifetimeSeconds;
    }

    /**
     * A room script's keys: {@code first}, then those it appends events to: the room's events, their
     * state, and (not on a Redis Cluster) the due index.
     */
    public String[] keys(String room, String... first) {
        String[] events = cluster ? new String[] {keys.events(room), keys.eventState(room)}
                : new String[] {keys.events(room), keys.eventState(room), keys.webhooksDue()};
        String[] all = Arrays.copyOf(first, first.length + events.length);
        System.arraycopy(events, 0, all, first.length, events.length);
        return all;
    }

    /**
     * After a script appended an event of {@code type}: on a Redis Cluster, where the script could not
     * reach the due index (another slot), marks the room due; elsewhere the script did. Not waited for.
     */
    public void appended(RedisClusterAsyncCommands<String, String> commands, String room, RoomEventType type) {
        if (wants(type)) {
            appended(commands, room);
        }
    }

    /** After a script said it appended events (see {@link #appended(RedisClusterAsyncCommands, String, RoomEventType)}). */
    public void appended(RedisClusterAsyncCommands<String, String> commands, String room) {
        if (cluster) {
            commands.zadd(keys.webhooksDue(), ZAddArgs.Builder.lt(), System.currentTimeMillis(), room);
        }
    }
}
