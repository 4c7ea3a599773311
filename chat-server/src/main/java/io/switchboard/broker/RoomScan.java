package io.switchboard.broker;

import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanCursor;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import io.switchboard.redis.RedisKeys;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;

/**
 * The rooms that exist, a page at a time ({@link Broker#rooms}): a {@code SCAN} of the rooms'
 * {@code meta} keys. On one Redis (or Sentinel) the cursor is SCAN's own; on a Redis Cluster every
 * primary is scanned in turn (by node id), and the cursor is {@code <primary's index>:<its SCAN
 * cursor>}: Lettuce's cluster-wide scan keeps its place in an object, which an HTTP client cannot
 * hand back. A cursor neither made fails with {@link IllegalArgumentException}; Redis failing, with
 * {@link BrokerUnavailableException}.
 */
final class RoomScan {

    private static final String META = ":meta";

    private final StatefulConnection<String, String> connection;
    private final RedisClusterAsyncCommands<String, String> commands;
    private final RedisKeys keys;
    private final String pattern;

    RoomScan(StatefulConnection<String, String> connection, RedisClusterAsyncCommands<String, String> commands,
             RedisKeys keys) {
        this.connection = connection;
        this.commands = commands;
        this.keys = keys;
        this.pattern = keys.everyRoom(META);
    }

    CompletableFuture<RoomPage> page(String cursor, int limit) {
        ScanArgs args = ScanArgs.Builder.matches(pattern).limit(limit);
        if (connection instanceof StatefulRedisClusterConnection<String, String> cluster) {
            List<String> primaries = cluster.getPartitions().stream()
                    // a primary that failed over keeps its flag in the view, but no slots: nothing to scan
                    .filter(node -> node.is(RedisClusterNode.NodeFlag.UPSTREAM) && !node.getSlots().isEmpty()
                            && !node.is(RedisClusterNode.NodeFlag.FAIL))
                    .map(RedisClusterNode::getNodeId).sorted().toList();
            int index = 0;
            String scan = "0";
            if (cursor != null) {
                int colon = cursor.indexOf(':');
                if (colon < 1 || colon > 4 || !isScanCursor(cursor.substring(colon + 1))
                        || !isScanCursor(cursor.substring(0, colon))) {
                    return notACursor();
                }
                index = Integer.parseInt(cursor.substring(0, colon));
                scan = cursor.substring(colon + 1);
            }
            if (index >= primaries.size()) {
                return CompletableFuture.completedFuture(new RoomPage(List.of(), null));
            }
            int at = index;
            ScanCursor from = ScanCursor.of(scan);
            return unavailableIfFailed(cluster.getConnectionAsync(primaries.get(at))
                    .thenCompose(node -> node.async().scan(from, args))
                    .thenApply(page -> new RoomPage(roomsOf(page.getKeys()), !page.isFinished() ? at + ":" + page.getCursor()
                            : at + 1 < primaries.size() ? (at + 1) + ":0" : null)));
        }
        if (cursor != null && !isScanCursor(cursor)) {
            return notACursor();
        }
        return unavailableIfFailed(commands.scan(ScanCursor.of(cursor == null ? "0" : cursor), args).thenApply(page ->
                new RoomPage(roomsOf(page.getKeys()), page.isFinished() ? null : page.getCursor())));
    }

    private static CompletableFuture<RoomPage> notACursor() {
        return CompletableFuture.failedFuture(new IllegalArgumentException("not a cursor of this API"));
    }

    private static CompletableFuture<RoomPage> unavailableIfFailed(CompletionStage<RoomPage> stage) {
        return stage.toCompletableFuture().exceptionallyCompose(e -> {
            Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
            return CompletableFuture.failedFuture(new BrokerUnavailableException("Redis: " + cause.getMessage(), cause));
        });
    }

    /** Whether {@code cursor} is one SCAN takes: an unsigned 64-bit number in decimal. */
    private static boolean isScanCursor(String cursor) {
        if (cursor.isEmpty() || !cursor.chars().allMatch(c -> c >= '0' && c <= '9')) {
            return false;
        }
        try {
            Long.parseUnsignedLong(cursor);
            return true;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    /** The rooms of {@code meta} keys ({@code P{R}:meta}). */
    private List<String> roomsOf(List<String> metaKeys) {
        return metaKeys.stream().map(key -> keys.roomOf(key.substring(0, key.length() - META.length()))).toList();
    }
}
