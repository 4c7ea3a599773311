package io.switchboard.bench.node;

import io.switchboard.bench.fanout.RunBroken;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * Reads a node's memory the way an operator would on the node's machine: the pid from
 * {@code /actuator/info} ({@code process.pid}), a full GC through {@code jcmd <pid> GC.run} so
 * only live objects remain, heap used from {@code /actuator/metrics/jvm.memory.used?tag=area:heap},
 * and the resident set from {@code /proc/<pid>/status} (VmRSS) once it has stopped falling. The node
 * must run on this machine.
 */
public final class NodeMemory {

    /** How long {@code jcmd <pid> GC.run} may take. */
    private static final Duration GC_TIMEOUT = Duration.ofSeconds(30);
    private static final long KIB = 1024;
    /** How often the resident set is read while it falls after the GC, and the longest that is waited for. */
    private static final Duration SETTLE_EVERY = Duration.ofMillis(500);
    private static final Duration SETTLE_LIMIT = Duration.ofSeconds(15);
    /** A reading less than this below the one before counts as settled. */
    private static final long SETTLED_WITHIN = 1024 * KIB;

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

    /**
     * Forces a full GC in the node, then reads its heap used and resident set. G1 gives the heap it
     * shrinks by back to the system on a thread of its own after the GC has returned: at 18,000
     * connections VmRSS read at once was 716 MB and a second later 457 MB (docs/benchmarks.md,
     * "Memory per connection"), so the resident set is read until it stops falling.
     */
    public Reading read() {
        fullGc();
        return new Reading((long) actuator.metric("jvm.memory.used?tag=area:heap"),
                settled(this::rss, NodeMemory::pause, (int) (SETTLE_LIMIT.toMillis() / SETTLE_EVERY.toMillis())));
    }

    /** Reads {@code rss} after each {@code pause} until a reading is less than 1 MiB below the one before, at most {@code reads} times. */
    static long settled(LongSupplier rss, Runnable pause, int reads) {
        long last = rss.getAsLong();
        for (int i = 1; i < reads; i++) {
            pause.run();
            long now = rss.getAsLong();
            if (now > last - SETTLED_WITHIN) {
                return now;
            }
            last = now;
        }
        return last;
    }

    private static void pause() {
        try {
            Thread.sleep(SETTLE_EVERY);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RunBroken("interrupted");
        }
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
