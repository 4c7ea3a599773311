package io.switchboard.bench.storm;

import io.switchboard.bench.cpu.CpuUse;
import io.switchboard.bench.report.Percentiles;
import java.util.List;
import java.util.Map;

/**
 * Reconnect storms against one system.
 *
 * @param system the system measured
 * @param urls where the clients connected
 * @param clients clients per storm
 * @param membersPerRoom clients per room
 * @param processes client processes
 * @param deflateOffered whether clients offered permessage-deflate
 * @param warmupRounds storms run before the measured ones
 * @param pids the processes whose CPU is measured
 * @param rounds the measured storms
 */
public record StormResult(String system, List<String> urls, int clients, int membersPerRoom, int processes,
        boolean deflateOffered, int warmupRounds, List<Long> pids, List<Round> rounds) {

    /**
     * One storm.
     *
     * @param clients clients that connected
     * @param joined clients in their room before the join timeout
     * @param secondsUntilAllIn from the first connect until the last client was in (slowest process)
     * @param joinsPerSecond joined / secondsUntilAllIn
     * @param joinMs each client's time from its connect to its room's answer
     * @param joinedByPercent milliseconds by which 1%, 2%, ... 100% of the joined clients were in
     * @param failed clients not in their room after the join timeout, by their last error
     * @param errors errors the clients saw and retried past (or not), by kind
     * @param joinCpu the servers' CPU from the storm's start until they were quiet again, per client
     * @param leaveCpu the servers' CPU from then until they were quiet after everyone left, per client
     * @param cpu both together: what one client's join and leave cost
     */
    public record Round(int clients, long joined, double secondsUntilAllIn, double joinsPerSecond, Percentiles joinMs,
            List<Double> joinedByPercent, Map<String, Long> failed, Map<String, Long> errors, CpuUse joinCpu,
            CpuUse leaveCpu, CpuUse cpu) {

        String summary(int number) {
            StringBuilder out = new StringBuilder(String.format(
                    "storm %d: %,d of %,d clients in their rooms after %.2f s (%,.0f joins/s)%n", number, joined, clients,
                    secondsUntilAllIn, joinsPerSecond));
            out.append("  connect to joined  ").append(joinMs.line()).append('\n');
            if (!failed.isEmpty()) {
                out.append("  failed    ").append(failed).append('\n');
            }
            if (!errors.isEmpty()) {
                out.append("  errors    ").append(errors).append('\n');
            }
            if (cpu.line() != null) {
                out.append("  cpu join  ").append(joinCpu.line()).append('\n');
                out.append("  cpu leave ").append(leaveCpu.line()).append('\n');
                out.append("  cpu       ").append(cpu.line()).append('\n');
            }
            return out.toString();
        }
    }
}
