package io.switchboard.bench.fanout;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * Every measured receipt of a run, for {@code fanout --receipts}: when a message was due, how long its
 * member waited, and who sent it and received it, so that a reader can see when the slow messages
 * happened and whether all of a message's members were slow (before the fan-out) or a few (in it).
 * One log per member, written only by that member's frame handling (one thread at a time), so
 * recording takes no lock.
 */
final class ReceiptLog {

    private static final int FIELDS = 4;

    private final int member;
    private long[] entries = new long[FIELDS * 64];
    private int size;

    ReceiptLog(int member) {
        this.member = member;
    }

    void add(long dueNanos, long latencyNanos, int publisher, long seq) {
        if (size + FIELDS > entries.length) {
            entries = Arrays.copyOf(entries, entries.length * 2);
        }
        entries[size++] = dueNanos;
        entries[size++] = latencyNanos;
        entries[size++] = publisher;
        entries[size++] = seq;
    }

    /**
     * Writes the logs' receipts to {@code file}, by due time then member: a header line, then
     * {@code due_ns latency_us publisher seq member} per receipt; due times are the generator's
     * {@code System.nanoTime}, the same clock as the machine's CLOCK_MONOTONIC (as {@code perf sched
     * record -k CLOCK_MONOTONIC} stamps its events).
     */
    static void write(List<ReceiptLog> logs, Path file) {
        List<long[]> rows = new ArrayList<>();
        for (ReceiptLog log : logs) {
            for (int i = 0; i < log.size; i += FIELDS) {
                rows.add(new long[] {log.entries[i], log.entries[i + 1], log.entries[i + 2], log.entries[i + 3],
                        log.member});
            }
        }
        rows.sort(Comparator.<long[]>comparingLong(row -> row[0]).thenComparingLong(row -> row[4]));
        try (BufferedWriter out = Files.newBufferedWriter(file)) {
            out.write("due_ns latency_us publisher seq member\n");
            for (long[] row : rows) {
                out.write(row[0] + " " + Tally.micros(row[1]) + " " + row[2] + " " + row[3] + " " + row[4] + "\n");
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }
}
