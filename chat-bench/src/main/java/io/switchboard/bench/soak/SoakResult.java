package io.switchboard.bench.soak;

import java.util.ArrayList;
import java.util.List;

/**
 * A soak: churn for a long time, and whether the nodes kept anything of it. Both readings are
 * taken at rest (every client of the phase before has left, and the settle time has passed), so
 * what the churn left behind is the difference.
 *
 * @param urls where the clients connected
 * @param clients clients connected at once
 * @param membersPerRoom clients that shared one room name
 * @param messagesPerClient messages each client sent before leaving
 * @param sendEverySeconds pause before each send
 * @param size message text length
 * @param deflateOffered whether clients offered permessage-deflate
 * @param warmupSeconds churn before the start reading (not counted)
 * @param settleSeconds wait after the last client left, before each reading
 * @param tolerancePercent heap growth allowed per node, in percent of its start reading
 * @param churn what the measured churn did
 * @param nodes each node's readings
 * @param heapGrew whether any node's heap after GC grew by more than the tolerance
 * @param failures why the soak failed (empty when it passed)
 * @param passed no heap growth beyond the tolerance, nothing left behind, nothing lost, every client joined
 */
record SoakResult(List<String> urls, int clients, int membersPerRoom, int messagesPerClient, double sendEverySeconds,
        int size, boolean deflateOffered, double warmupSeconds, double settleSeconds, double tolerancePercent,
        ChurnCounts churn, List<Node> nodes, boolean heapGrew, List<String> failures, boolean passed) {

    private static final double MIB = 1024.0 * 1024;

    /**
     * One node before and after the measured churn.
     *
     * @param management its management address
     * @param pid its process id
     * @param start at rest after the warm-up
     * @param end at rest after the measured churn
     * @param heapGrowthBytes end heap - start heap
     * @param heapGrowthPercent that, in percent of the start heap
     */
    record Node(String management, long pid, NodeReading start, NodeReading end, long heapGrowthBytes,
            double heapGrowthPercent) {

        Node(String management, long pid, NodeReading start, NodeReading end) {
            this(management, pid, start, end, end.heapBytes() - start.heapBytes(),
                    100.0 * (end.heapBytes() - start.heapBytes()) / start.heapBytes());
        }
    }

    /** The result with its verdict. */
    static SoakResult judge(List<String> urls, int clients, int membersPerRoom, int messagesPerClient,
            double sendEverySeconds, int size, boolean deflateOffered, double warmupSeconds, double settleSeconds,
            double tolerancePercent, ChurnCounts churn, List<Node> nodes) {
        List<String> failures = new ArrayList<>();
        boolean heapGrew = false;
        for (Node node : nodes) {
            if (node.heapGrowthPercent() > tolerancePercent) {
                heapGrew = true;
                failures.add(String.format("the heap of %s grew %.1f MiB (%+.1f%%, more than %.1f%%)",
                        node.management(), node.heapGrowthBytes() / MIB, node.heapGrowthPercent(), tolerancePercent));
            }
            if (node.end().connections() > node.start().connections()) {
                failures.add(node.management() + " holds " + (node.end().connections() - node.start().connections())
                        + " more connections than before");
            }
            if (node.end().rooms() > node.start().rooms()) {
                failures.add(node.management() + " holds " + (node.end().rooms() - node.start().rooms())
                        + " more rooms than before");
            }
        }
        if (churn.connected() == 0) {
            failures.add("no client joined: nothing was soaked");
        }
        if (churn.failedJoins() > 0) {
            failures.add(churn.failedJoins() + " clients could not join");
        }
        if (churn.lost() > 0) {
            failures.add(churn.lost() + " messages lost");
        }
        return new SoakResult(urls, clients, membersPerRoom, messagesPerClient, sendEverySeconds, size, deflateOffered,
                warmupSeconds, settleSeconds, tolerancePercent, churn, List.copyOf(nodes), heapGrew,
                List.copyOf(failures), failures.isEmpty());
    }

    /** The human summary printed on stdout. */
    String summary() {
        StringBuilder out = new StringBuilder();
        out.append(String.format("soak: %d clients at a time on %s, rooms of %d, %d messages of %d chars each %.1f s "
                + "apart, deflate %s%n", clients, urls, membersPerRoom, messagesPerClient, size, sendEverySeconds,
                deflateOffered ? "offered" : "not offered"));
        out.append(String.format("  measured  %.1f s of churn after %.1f s warm-up; readings at rest, %.1f s after "
                + "the last client left%n", churn.seconds(), warmupSeconds, settleSeconds));
        out.append(churn.summary());
        long growth = 0;
        for (Node node : nodes) {
            growth += node.heapGrowthBytes();
            out.append(String.format("  node %s (pid %d)%n", node.management(), node.pid()));
            out.append(String.format("    heap after GC  %.1f -> %.1f MiB (%+.1f MiB, %+.1f%%)%n",
                    node.start().heapBytes() / MIB, node.end().heapBytes() / MIB, node.heapGrowthBytes() / MIB,
                    node.heapGrowthPercent()));
            out.append(String.format("    rss            %.1f -> %.1f MiB%n", node.start().rssBytes() / MIB,
                    node.end().rssBytes() / MIB));
            out.append(String.format("    connections %d -> %d, rooms %d -> %d%n", node.start().connections(),
                    node.end().connections(), node.start().rooms(), node.end().rooms()));
        }
        if (churn.connected() > 0) {
            out.append(String.format("  heap      %+.1f MiB on all nodes, %+,.1f KiB per 1,000 clients%n", growth / MIB,
                    growth / 1024.0 / churn.connected() * 1000));
        }
        out.append(String.format("  verdict   heap %s; %s%n",
                heapGrew ? "GREW beyond " + tolerancePercent + "%" : "within " + tolerancePercent + "%",
                passed ? "PASSED" : "FAILED: " + String.join("; ", failures)));
        return out.toString();
    }
}
