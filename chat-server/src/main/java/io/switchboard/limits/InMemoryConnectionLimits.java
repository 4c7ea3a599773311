package io.switchboard.limits;

import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/** Connection counts of a single node ({@code switchboard.broker=memory}): the node is the cluster. */
final class InMemoryConnectionLimits implements ConnectionLimits {

    private final Map<String, Set<String>> counted = new ConcurrentHashMap<>();

    @Override
    public CompletableFuture<Boolean> acquire(String key, String id, int limit) {
        boolean[] taken = new boolean[1];
        counted.compute(key, (k, ids) -> {
            Set<String> now = ids == null ? new HashSet<>() : ids;
            taken[0] = now.contains(id) || (now.size() < limit && now.add(id));
            return now.isEmpty() ? null : now;
        });
        return CompletableFuture.completedFuture(taken[0]);
    }

    @Override
    public void release(String key, String id) {
        counted.computeIfPresent(key, (k, ids) -> {
            ids.remove(id);
            return ids.isEmpty() ? null : ids;
        });
    }
}
