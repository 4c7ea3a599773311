package io.switchboard.console;

import io.lettuce.core.Limit;
import io.lettuce.core.Range;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.XAddArgs;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.switchboard.redis.RedisCommandConnection;
import io.switchboard.redis.RedisKeys;
import io.switchboard.redis.RedisWait;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The console's history in Redis, readable by every node: each node's samples in a stream of its
 * own ({@code P{cluster}:console:samples:<node>}, capped, expiring 15 minutes after the node's last),
 * the nodes that sampled in the last 15 minutes in a sorted set ({@code P{cluster}:console:sampled}),
 * and the events in a capped stream ({@code P{cluster}:console:events}). Writes are sent without
 * waiting; reads wait (management work, at most {@link RedisWait#TIMEOUT}).
 */
final class RedisConsoleStore implements ConsoleStore {

    /** A sample a second for 15 minutes, and some. */
    private static final long MAX_SAMPLES = 1000;
    private static final long MAX_EVENTS = 500;

    private final RedisCommandConnection connection;
    private final RedisClusterAsyncCommands<String, String> commands;
    private final RedisKeys keys;

    RedisConsoleStore(RedisCommandConnection connection, RedisKeys keys) {
        this.connection = connection;
        this.commands = connection.commands();
        this.keys = keys;
    }

    @Override
    public void sample(String node, long at, String json) {
        String stream = keys.consoleSamples(node);
        commands.xadd(stream, XAddArgs.Builder.maxlen(MAX_SAMPLES).approximateTrimming(), Map.of("s", json));
        commands.pexpire(stream, HISTORY_MILLIS + 60_000);
        commands.zadd(keys.consoleSampled(), at, node);
        commands.zremrangebyscore(keys.consoleSampled(), Range.create(Double.NEGATIVE_INFINITY, at - HISTORY_MILLIS));
    }

    @Override
    public Map<String, List<String>> samples(long sinceMillis) {
        long since = Math.max(sinceMillis, System.currentTimeMillis() - HISTORY_MILLIS);
        List<String> nodes = RedisWait.await(commands.zrangebyscore(keys.consoleSampled(),
                Range.create((double) since, Double.POSITIVE_INFINITY)).toCompletableFuture());
        Map<String, List<String>> samples = new LinkedHashMap<>();
        for (String node : nodes) {
            List<StreamMessage<String, String>> entries = RedisWait.await(commands.xrange(keys.consoleSamples(node),
                    Range.create("(" + since, "+"), Limit.from(MAX_SAMPLES)).toCompletableFuture());
            samples.put(node, entries.stream().map(entry -> entry.getBody().get("s")).toList());
        }
        return samples;
    }

    @Override
    public void event(ConsoleEvent event) {
        commands.xadd(keys.consoleEvents(), XAddArgs.Builder.maxlen(MAX_EVENTS).approximateTrimming(),
                Map.of("t", Long.toString(event.at()), "kind", event.kind(), "node", event.node(),
                        "detail", event.detail()));
    }

    @Override
    public List<ConsoleEvent> events(int max) {
        List<StreamMessage<String, String>> entries = RedisWait.await(commands.xrevrange(keys.consoleEvents(),
                Range.create("-", "+"), Limit.from(max)).toCompletableFuture());
        return entries.reversed().stream().map(entry -> new ConsoleEvent(Long.parseLong(entry.getBody().get("t")),
                entry.getBody().get("kind"), entry.getBody().get("node"), entry.getBody().get("detail"))).toList();
    }

    @Override
    public void close() {
        connection.close();
    }
}
