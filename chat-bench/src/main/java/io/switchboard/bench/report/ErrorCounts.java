package io.switchboard.bench.report;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/** What went wrong in a run, by kind, counted from every I/O thread at once and reported sorted by kind. */
public final class ErrorCounts {

    private final Map<String, LongAdder> counts = new ConcurrentHashMap<>();

    public void add(String what) {
        counts.computeIfAbsent(what, w -> new LongAdder()).increment();
    }

    /** Each kind with its count, sorted by kind. */
    public Map<String, Long> sorted() {
        Map<String, Long> sorted = new TreeMap<>();
        counts.forEach((what, count) -> sorted.put(what, count.sum()));
        return sorted;
    }
}
