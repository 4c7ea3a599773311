package io.switchboard.presence;

import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * This node's member index ({@code node:<node>:members}, one {@code room\nmember} entry per
 * membership), which {@link RedisPresence#reap} reads when the node dies. It lives in a slot of its
 * own on a Redis Cluster, so a room's presence script cannot write it; it is written in batches
 * instead of one command per join and leave: one {@code SADD} and one {@code SREM} at a time, carrying
 * every change made since the last ones were answered. Under a reconnect storm that is one pair for
 * dozens of joins instead of two commands per client, each a node's dispatch, write, read and
 * completion besides Redis's own work (docs/benchmarks.md, "Fewer Redis commands and calls per join"); a change made alone
 * is sent at once.
 *
 * <p>A change's future completes once the batch that carries it is written, so a join answered to
 * its member is in the index. Changes of one entry take effect in the order they were made (the
 * last one in a batch wins, and batches go one after the other on one connection).
 */
final class MemberIndex {

    private final RedisClusterAsyncCommands<String, String> commands;
    private final String key;
    /** How a Redis failure reaches the caller (as {@link io.switchboard.broker.BrokerUnavailableException}). */
    private final Function<CompletableFuture<Long>, CompletableFuture<Long>> wrap;
    /** Changes not sent yet, entry to whether it is added; guarded by {@code this}. */
    private Map<String, Boolean> pending = new LinkedHashMap<>();
    /** Completes when the pending changes are written. */
    private CompletableFuture<Void> next = new CompletableFuture<>();
    /** Whether a batch is on its way (the next waits for its answer). */
    private boolean writing;

    MemberIndex(RedisClusterAsyncCommands<String, String> commands, String key,
                Function<CompletableFuture<Long>, CompletableFuture<Long>> wrap) {
        this.commands = commands;
        this.key = key;
        this.wrap = wrap;
    }

    static String entry(String room, String member) {
        return room + "\n" + member;
    }

    CompletableFuture<Void> add(String room, String member) {
        return change(entry(room, member), true);
    }

    CompletableFuture<Void> remove(String room, String member) {
        return change(entry(room, member), false);
    }

    private CompletableFuture<Void> change(String entry, boolean added) {
        CompletableFuture<Void> written;
        synchronized (this) {
            pending.remove(entry); // a later change goes after an earlier one's place
            pending.put(entry, added);
            written = next;
        }
        write();
        return written;
    }

    /** Sends the pending changes unless a batch is on its way (its answer sends them). */
    private void write() {
        Map<String, Boolean> batch;
        CompletableFuture<Void> done;
        synchronized (this) {
            if (writing || pending.isEmpty()) {
                return;
            }
            writing = true;
            batch = pending;
            done = next;
            pending = new LinkedHashMap<>();
            next = new CompletableFuture<>();
        }
        List<String> added = new ArrayList<>(batch.size());
        List<String> removed = new ArrayList<>();
        batch.forEach((entry, add) -> (add ? added : removed).add(entry));
        CompletableFuture<Long> adds = added.isEmpty() ? CompletableFuture.completedFuture(0L)
                : wrap.apply(commands.sadd(key, added.toArray(String[]::new)).toCompletableFuture());
        CompletableFuture<Long> removes = removed.isEmpty() ? CompletableFuture.completedFuture(0L)
                : wrap.apply(commands.srem(key, removed.toArray(String[]::new)).toCompletableFuture());
        adds.thenCombine(removes, (a, r) -> (Void) null).whenComplete((ok, error) -> {
            synchronized (this) {
                writing = false;
            }
            if (error != null) {
                done.completeExceptionally(error);
            } else {
                done.complete(null);
            }
            write();
        });
    }
}
