package io.switchboard.bench.cpu;

import java.util.List;
import java.util.stream.Collectors;

/**
 * The CPU time server processes spent over a measured phase.
 *
 * @param processes each process: its pid, its name and its CPU seconds
 * @param seconds all of them together (user + system)
 * @param unit what the work is counted in ({@code delivery})
 * @param microsPerUnit {@code seconds} per unit of work, in microseconds
 */
public record CpuUse(List<Process> processes, double seconds, String unit, double microsPerUnit) {

    /** One process. */
    public record Process(long pid, String name, double seconds) {
    }

    /** Nothing was measured. */
    public static CpuUse none() {
        return new CpuUse(List.of(), 0, "", 0);
    }

    /** The summary line, or null when nothing was measured. */
    public String line() {
        if (processes.isEmpty()) {
            return null;
        }
        return String.format("%.2f s = %.1f µs per %s (%s)", seconds, microsPerUnit, unit, processes.stream()
                .map(p -> String.format("%s %d: %.2f s", p.name(), p.pid(), p.seconds())).collect(Collectors.joining(", ")));
    }
}
