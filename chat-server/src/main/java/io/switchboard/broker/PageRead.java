package io.switchboard.broker;

import io.switchboard.protocol.StoredMessage;
import io.switchboard.redis.LuaScript;
import io.switchboard.redis.RedisKeys;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * A read of a room's log as {@code history.lua} does it ({@link Broker#open}, {@link Broker#since},
 * {@link Broker#before}): the script, its keys and arguments, and how its answer becomes a page.
 * {@link RedisBroker} runs it alone; the Redis presence store runs the join's read in front of its
 * own script, in one call ({@code join.lua}), so a join is one command to Redis, not two.
 */
public final class PageRead {

    static final LuaScript SCRIPT = LuaScript.load(RedisBroker.class, "history.lua");

    private final RedisKeys keys;
    private final String emptyRetentionSeconds;
    private final boolean acked;
    private final Supplier<String> newEpoch;

    PageRead(RedisKeys keys, String emptyRetentionSeconds, boolean acked, Supplier<String> newEpoch) {
        this.keys = keys;
        this.emptyRetentionSeconds = emptyRetentionSeconds;
        this.acked = acked;
        this.newEpoch = newEpoch;
    }

    /** {@code history.lua}'s text. */
    public static String source() {
        return SCRIPT.source();
    }

    /** The room's keys the read touches, all in its slot. */
    public String[] keys(String room) {
        return new String[] {keys.meta(room), keys.log(room), keys.bans(room)};
    }

    /** The arguments of the read that opens the room for a joiner ({@link Broker#open}). */
    public String[] open(long afterOffset, int limit, boolean create, String user) {
        return args("since", afterOffset, limit, create, user);
    }

    String[] args(String mode, long offset, int limit, boolean create, String user) {
        return new String[] {newEpoch.get(), mode, Long.toString(offset), Integer.toString(limit), emptyRetentionSeconds,
                create ? "1" : "0", acked ? "1" : "0", user == null ? "" : user, Long.toString(System.currentTimeMillis())};
    }

    /**
     * The page in the script's answer.
     *
     * @throws NoSuchRoomException the room did not exist and the read was not allowed to create it
     * @throws BannedException     the joiner is banned from the room
     */
    public static HistoryPage page(String room, String user, List<Object> answer) {
        if (answer.size() == 1) {
            throw new NoSuchRoomException(room);
        }
        if (answer.size() == 2) {
            throw new BannedException(room, Ban.of(user, (String) answer.get(1)));
        }
        List<StoredMessage> messages = new ArrayList<>((answer.size() - 5) / 2);
        for (int i = 5; i + 1 < answer.size(); i += 2) {
            String id = (String) answer.get(i);
            long messageOffset = Long.parseLong(id.substring(0, id.indexOf('-')));
            messages.add(new StoredMessage(messageOffset, (String) answer.get(i + 1)));
        }
        return new HistoryPage((String) answer.get(0), (Long) answer.get(1), (Long) answer.get(2), messages,
                (Long) answer.get(3) == 1L, (Long) answer.get(4));
    }
}
