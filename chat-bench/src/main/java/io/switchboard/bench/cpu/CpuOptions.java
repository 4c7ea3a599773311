package io.switchboard.bench.cpu;

import io.switchboard.bench.client.Endpoints;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/** Which server processes a run charges its CPU time to: {@code --cpu-pid}, {@code --cpu-port}, or the URLs' listeners. */
public final class CpuOptions {

    @Option(names = "--cpu-pid", paramLabel = "PID",
            description = "A server process whose CPU time (user + system, /proc/PID/stat) over the measured phase is "
                    + "reported per unit of work, repeatable. Default: the processes listening on the URLs' ports when "
                    + "they are on this machine (behind a load balancer that is the balancer: name the nodes, and "
                    + "Redis if it should count, with --cpu-pid or --cpu-port).")
    List<Long> cpuPids = new ArrayList<>();

    @Option(names = "--cpu-port", paramLabel = "PORT",
            description = "As --cpu-pid, for the processes listening on PORT on this machine (a node's, or Redis's), repeatable.")
    List<Integer> cpuPorts = new ArrayList<>();

    /** The processes named by --cpu-pid and --cpu-port, or else those listening on the endpoints' local ports. */
    public ServerCpu select(Endpoints endpoints) {
        if (cpuPids.isEmpty() && cpuPorts.isEmpty()) {
            return ServerCpu.listeningOn(endpoints.uris().stream().filter(CpuOptions::onThisMachine)
                    .map(URI::getPort).filter(port -> port > 0).toList());
        }
        List<Long> pids = new ArrayList<>(cpuPids);
        ServerCpu.listeningOn(cpuPorts).pids().stream().filter(pid -> !pids.contains(pid)).forEach(pids::add);
        return ServerCpu.of(pids);
    }

    private static boolean onThisMachine(URI uri) {
        try {
            return InetAddress.getByName(uri.getHost()).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }
}
