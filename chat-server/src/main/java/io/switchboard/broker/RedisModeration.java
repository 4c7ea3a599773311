package io.switchboard.broker;

import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.switchboard.protocol.RoomEventType;
import io.switchboard.redis.LuaScript;
import io.switchboard.redis.RedisKeys;
import io.switchboard.redis.RoomEventCapture;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Bans and deletions with Redis ({@link Broker#ban}, {@link Broker#delete}): {@code ban.lua} keeps a
 * room's bans in {@code P{R}:bans}, which the join's and the send's own scripts read (no extra
 * round trip); {@code delete.lua} moves a message from the log to a tombstone in the room's {@code meta} and tells
 * the room. All of a room's keys share its hash slot, so this works on a Redis Cluster as it does on
 * one Redis.
 */
final class RedisModeration {

    private final LuaScript banScript = LuaScript.load(RedisModeration.class, "ban.lua");
    private final LuaScript deleteScript = LuaScript.load(RedisModeration.class, "delete.lua");
    private final RedisClusterAsyncCommands<String, String> commands;
    private final RedisKeys keys;
    private final String publish;
    private final RoomEventCapture capture;

    RedisModeration(RedisClusterAsyncCommands<String, String> commands, RedisKeys keys, boolean sharded,
                    RoomEventCapture capture) {
        this.capture = capture;
        this.commands = commands;
        this.keys = keys;
        this.publish = sharded ? "SPUBLISH" : "PUBLISH";
    }

    CompletableFuture<Void> ban(String room, Ban ban) {
        return this.<List<Object>>bans(room, "ban", ban.user(), ban.storedUntil()).thenApply(r -> null);
    }

    CompletableFuture<Boolean> unban(String room, String user) {
        return this.<List<Long>>bans(room, "unban", user, "").thenApply(r -> r.getFirst() == 1L);
    }

    CompletableFuture<List<Ban>> bans(String room) {
        return this.<List<String>>bans(room, "list", "", "").thenApply(r -> {
            List<Ban> bans = new ArrayList<>(r.size() / 2);
            for (int i = 0; i + 1 < r.size(); i += 2) {
                bans.add(Ban.of(r.get(i), r.get(i + 1)));
            }
            return bans;
        });
    }

    CompletableFuture<Deletion> delete(String room, long offset, String epoch) {
        String[] scriptKeys = capture.keys(room, keys.meta(room), keys.log(room));
        long now = System.currentTimeMillis();
        return RedisBroker.<List<String>>wrap(deleteScript.eval(commands, scriptKeys, Long.toString(offset),
                epoch == null ? "" : epoch, room, keys.channel(room), publish,
                capture.flag(RoomEventType.MESSAGE_DELETED), Long.toString(now))).thenApply(r -> {
                    String current = r.getFirst();
                    if (current.isEmpty()) {
                        throw new NoSuchRoomException(room);
                    }
                    return switch (r.get(1)) {
                        case "deleted" -> {
                            capture.appended(commands, room, RoomEventType.MESSAGE_DELETED);
                            yield new Deletion(current, offset, false);
                        }
                        case "already" -> new Deletion(current, offset, true);
                        case "epoch" -> throw new NoSuchMessageException("room " + room + " is at epoch " + current
                                + " now; epoch " + epoch + " and its offsets are gone");
                        default -> throw new NoSuchMessageException("room " + room + " holds no message at offset "
                                + offset + " (never stored, or past the history's size or retention)");
                    };
                });
    }

    private <T> CompletableFuture<T> bans(String room, String action, String user, String until) {
        return RedisBroker.wrap(banScript.eval(commands, new String[] {keys.bans(room)}, action,
                Long.toString(System.currentTimeMillis()), user, until));
    }
}
