package io.switchboard.bench.cpu;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The CPU time (user + system, from {@code /proc/<pid>/stat}) that server processes on this machine
 * spend: read before and after a measured phase, divided by the work done in it. Unlike a rate or a
 * percentile, this barely moves when the load generator shares the cores, so it is how runs on a
 * small shared machine compare. Processes are given by pid, or found by a port they listen on (as
 * {@code ss -ltnp} finds them: the listening socket's inode in {@code /proc/net/tcp*}, then the
 * process holding it among {@code /proc/<pid>/fd}).
 */
public final class ServerCpu {

    /** Clock ticks per second of {@code /proc/<pid>/stat}'s times: USER_HZ, 100 on Linux's usual builds. */
    private static final double TICKS_PER_SECOND = 100;
    private static final Path PROC = Path.of("/proc");

    private final List<Long> pids;

    private ServerCpu(List<Long> pids) {
        this.pids = List.copyOf(pids);
    }

    public static ServerCpu of(List<Long> pids) {
        return new ServerCpu(pids);
    }

    /** The processes listening on {@code ports} (on any address), in port order, each once. */
    public static ServerCpu listeningOn(List<Integer> ports) {
        Set<Long> found = new LinkedHashSet<>();
        for (int port : ports) {
            found.addAll(listenersOf(port));
        }
        return new ServerCpu(new ArrayList<>(found));
    }

    public List<Long> pids() {
        return pids;
    }

    public boolean measures() {
        return !pids.isEmpty();
    }

    /** Each process's CPU seconds so far; a process that ended reads as absent. */
    public Map<Long, Double> read() {
        Map<Long, Double> seconds = new LinkedHashMap<>();
        for (long pid : pids) {
            Double used = cpuSeconds(pid);
            if (used != null) {
                seconds.put(pid, used);
            }
        }
        return seconds;
    }

    /** What the processes spent since {@code start} (a {@link #read()}), per unit of {@code work}. */
    public CpuUse since(Map<Long, Double> start, long work, String unit) {
        return between(start, read(), work, unit);
    }

    /** What the processes spent from one {@link #read()} to a later one, per unit of {@code work}. */
    public CpuUse between(Map<Long, Double> start, Map<Long, Double> end, long work, String unit) {
        List<CpuUse.Process> processes = new ArrayList<>();
        double total = 0;
        for (long pid : pids) {
            if (start.containsKey(pid) && end.containsKey(pid)) {
                double spent = end.get(pid) - start.get(pid);
                processes.add(new CpuUse.Process(pid, name(pid), spent));
                total += spent;
            }
        }
        return new CpuUse(processes, total, unit, work > 0 ? total * 1e6 / work : 0);
    }

    /**
     * Waits until the processes are quiet (together under {@code quietShare} of one core over
     * {@code window}) or {@code longest} passed, and answers their reading then: the end of a phase
     * whose work the servers finish after the client is done (closed connections, say).
     */
    public Map<Long, Double> whenQuiet(Duration window, double quietShare, Duration longest) throws InterruptedException {
        long giveUpAt = System.nanoTime() + longest.toNanos();
        Map<Long, Double> last = read();
        while (true) {
            Thread.sleep(window);
            Map<Long, Double> now = read();
            double spent = 0;
            for (Map.Entry<Long, Double> entry : now.entrySet()) {
                spent += entry.getValue() - last.getOrDefault(entry.getKey(), entry.getValue());
            }
            if (spent < quietShare * window.toNanos() / 1e9 || System.nanoTime() > giveUpAt) {
                return now;
            }
            last = now;
        }
    }

    /** utime + stime of {@code pid}, in seconds; null when it does not exist (any more). */
    static Double cpuSeconds(long pid) {
        String stat;
        try {
            stat = Files.readString(PROC.resolve(Long.toString(pid)).resolve("stat"));
        } catch (IOException e) {
            return null;
        }
        // the command name (field 2) is in parentheses and may hold spaces: count fields after the last ')'
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        // fields[0] is the state (field 3); utime and stime are fields 14 and 15
        return (Long.parseLong(fields[11]) + Long.parseLong(fields[12])) / TICKS_PER_SECOND;
    }

    private static String name(long pid) {
        try {
            return Files.readString(PROC.resolve(Long.toString(pid)).resolve("comm")).strip();
        } catch (IOException e) {
            return "?";
        }
    }

    /** The pids holding a socket that listens on {@code port}. */
    static List<Long> listenersOf(int port) {
        Set<String> inodes = new LinkedHashSet<>();
        for (String table : List.of("net/tcp", "net/tcp6")) {
            try {
                List<String> lines = Files.readAllLines(PROC.resolve(table));
                for (String line : lines.subList(1, lines.size())) { // the first is the header
                    String[] f = line.trim().split("\\s+");
                    // local_address is ADDR:PORT in hex; st 0A is LISTEN; the inode is field 10
                    String local = f[1];
                    int localPort = Integer.parseInt(local.substring(local.indexOf(':') + 1), 16);
                    if (localPort == port && "0A".equals(f[3].toUpperCase(Locale.ROOT))) {
                        inodes.add("socket:[" + f[9] + "]");
                    }
                }
            } catch (IOException e) {
                // no IPv6 table on this machine, say: nothing listens there
            }
        }
        List<Long> pids = new ArrayList<>();
        if (inodes.isEmpty()) {
            return pids;
        }
        try (DirectoryStream<Path> processes = Files.newDirectoryStream(PROC, path -> path.getFileName().toString()
                .chars().allMatch(Character::isDigit))) {
            for (Path process : processes) {
                if (holdsAny(process.resolve("fd"), inodes)) {
                    pids.add(Long.parseLong(process.getFileName().toString()));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list /proc", e);
        }
        return pids;
    }

    private static boolean holdsAny(Path fds, Set<String> inodes) {
        try (DirectoryStream<Path> links = Files.newDirectoryStream(fds)) {
            for (Path link : links) {
                try {
                    if (inodes.contains(Files.readSymbolicLink(link).toString())) {
                        return true;
                    }
                } catch (IOException e) {
                    // closed meanwhile
                }
            }
        } catch (IOException e) {
            // another user's process, or gone
        }
        return false;
    }
}
