package io.switchboard.bench.capacity;

import java.util.List;

/**
 * Idle joined connections against the measured nodes' memory (summed over the nodes).
 *
 * @param system the system measured
 * @param urls where the connections went
 * @param membersPerRoom room size
 * @param processes client processes
 * @param deflateOffered whether clients offered permessage-deflate
 * @param pids the measured nodes' process ids
 * @param baselineHeapBytes heap used after a full GC before connecting
 * @param baselineRssBytes resident set before connecting
 * @param steps one entry per step
 */
public record CapacityResult(String system, List<String> urls, int membersPerRoom, int processes,
        boolean deflateOffered, List<Long> pids, long baselineHeapBytes, long baselineRssBytes, List<Step> steps) {

    /**
     * The node at one connection count.
     *
     * @param connections connections held (all processes)
     * @param failed connections that could not join
     * @param connectsPerSecond connections opened in this step per second
     * @param heapBytes heap used after a full GC
     * @param rssBytes resident set
     * @param heapKibPerConnection (heap - baseline) / connections, KiB
     * @param rssKibPerConnection (rss - baseline) / connections, KiB
     */
    public record Step(int connections, int failed, double connectsPerSecond, long heapBytes, long rssBytes,
            double heapKibPerConnection, double rssKibPerConnection) {}

    public String summary() {
        StringBuilder out = new StringBuilder(String.format(
                "%s capacity: idle joined connections (rooms of %d) from %d processes, deflate %s; %d node(s), pids %s%n",
                system, membersPerRoom, processes, deflateOffered ? "offered" : "not offered", pids.size(), pids));
        out.append(String.format("  baseline  heap %.1f MiB  rss %.1f MiB%n", baselineHeapBytes / 1048576.0,
                baselineRssBytes / 1048576.0));
        out.append(String.format("  %12s %8s %12s %10s %10s %14s %14s%n", "connections", "failed", "connects/s",
                "heap MiB", "rss MiB", "heap KiB/conn", "rss KiB/conn"));
        for (Step step : steps) {
            out.append(String.format("  %,12d %,8d %,12.0f %10.1f %10.1f %14.1f %14.1f%n", step.connections(),
                    step.failed(), step.connectsPerSecond(), step.heapBytes() / 1048576.0, step.rssBytes() / 1048576.0,
                    step.heapKibPerConnection(), step.rssKibPerConnection()));
        }
        return out.toString();
    }
}
