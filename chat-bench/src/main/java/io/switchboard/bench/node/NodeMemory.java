package io.switchboard.bench.node;

import io.switchboard.bench.fanout.RunBroken;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Reads a node's memory the way an operator would on the node's machine: the pid from
 * {@code /actuator/info} ({@code process.pid}), a full GC through {@code jcmd <pid> GC.run} so
 * only live objects remain, heap used from {@code /actuator/metrics/jvm.memory.used?tag=area:heap},
 * and the resident set from {@code /proc/<pid>/status} (VmRSS). The node must run on this machine.
 */
public final class NodeMemory {

    /** How long {@code jcmd <pid> GC.run} may take. */
    private static final Duration GC_TIMEOUT = Duration.ofSeconds(30);
    private static final long KIB = 1024;

    /** One reading: heap used after a full GC and resident set size, in bytes. */
    public record Reading(long heapBytes, long rssBytes) {}

    private final Actuator actuator;
    private final long pid;

    /** @param actuator the node's management port */
    public NodeMemory(Actuator actuator) {
        this.actuator = actuator;
        long found = actuator.read("/actuator/info").path("process").path("pid").asLong(-1);
        if (found < 0) {
            throw new RunBroken(actuator.base() + "/actuator/info shows no process.pid "
                    + "(the node needs management.info.process.enabled=true)");
        }
        this.pid = found;
    }

    public long pid() {
        return pid;
    }

    /** Forces a full GC in the node, then reads its heap used and resident set. */
    public Reading read() {
        fullGc();
        return new Reading((long) actuator.metric("jvm.memory.used?tag=area:heap"), rss());
    }

    private void fullGc() {
        try {
            Process jcmd = new ProcessBuilder(jcmd(), Long.toString(pid), "GC.run").redirectErrorStream(true).start();
            String output = new String(jcmd.getInputStream().readAllBytes());
            if (!jcmd.waitFor(GC_TIMEOUT.toSeconds(), TimeUnit.SECONDS) || jcmd.exitValue() != 0) {
                throw new RunBroken("jcmd " + pid + " GC.run failed: " + output.strip());
            }
        } catch (IOException e) {
            throw new RunBroken("cannot run jcmd (a JDK's bin on PATH): " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RunBroken("interrupted");
        }
    }

    /** The jcmd of the JDK running this program (the nodes run on a JDK 21+ too), else the one on PATH. */
    private static String jcmd() {
        Path own = Path.of(System.getProperty("java.home"), "bin", "jcmd");
        return Files.isExecutable(own) ? own.toString() : "jcmd";
    }

    private long rss() {
        try {
            return Files.readAllLines(Path.of("/proc", Long.toString(pid), "status")).stream()
                    .filter(line -> line.startsWith("VmRSS:"))
                    .map(line -> line.replaceAll("\\D", ""))
                    .mapToLong(kib -> Long.parseLong(kib) * KIB)
                    .findFirst().orElseThrow(() -> new RunBroken("no VmRSS for pid " + pid));
        } catch (IOException e) {
            throw new RunBroken("cannot read /proc/" + pid + "/status (is the node on this machine?): " + e.getMessage());
        }
    }
}
