package io.switchboard.bench.worker;

import io.switchboard.bench.client.ChatSystem;
import io.switchboard.bench.client.Endpoints;
import io.switchboard.bench.client.Transport;
import io.switchboard.bench.fanout.TargetOptions;
import java.net.InetAddress;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/**
 * What every worker process is told by its parent ({@link Workers}): the system and where it
 * listens, which worker of how many this is, the room size, the run's name and how to connect.
 * Worker {@code w} of {@code P} owns the global client numbers {@code w, w+P, w+2P, ...}, so every
 * room ({@code members} consecutive numbers) spans the workers.
 */
public final class WorkerOptions {

    @Option(names = "--system", defaultValue = "switchboard")
    ChatSystem system;

    @Option(names = "--url", required = true)
    List<URI> urls;

    @Option(names = "--worker", required = true)
    int worker;

    @Option(names = "--workers", required = true)
    int workers;

    @Option(names = "--members", required = true)
    int members;

    @Option(names = "--run", required = true)
    String run;

    @Option(names = "--deflate", negatable = true, defaultValue = "true", fallbackValue = "true")
    boolean deflate;

    @Option(names = "--source-address")
    List<InetAddress> sourceAddresses = new ArrayList<>();

    /** The options a parent passes on for these (it adds {@code --worker} and {@code --workers} per process). */
    public static List<String> args(ChatSystem system, List<URI> urls, int members, String run, boolean deflate,
            List<InetAddress> sourceAddresses) {
        List<String> args = new ArrayList<>(List.of("--system", system.name(), "--members", Integer.toString(members),
                "--run", run, deflate ? "--deflate" : "--no-deflate"));
        urls.forEach(url -> args.addAll(List.of("--url", url.toString())));
        sourceAddresses.forEach(address -> args.addAll(List.of("--source-address", address.getHostAddress())));
        return args;
    }

    public ChatSystem system() {
        return system;
    }

    public Endpoints endpoints() {
        return TargetOptions.endpoints(system, urls);
    }

    public Transport transport() {
        return new Transport(deflate, sourceAddresses);
    }

    /** The global number of this worker's {@code k}-th client. */
    public int global(int k) {
        return k * workers + worker;
    }

    /** How many of the first {@code total} global numbers this worker owns. */
    public int share(int total) {
        return share(total, worker, workers);
    }

    /** How many of the first {@code total} global numbers worker {@code worker} of {@code workers} owns. */
    public static int share(int total, int worker, int workers) {
        return Math.max(0, (total - worker + workers - 1) / workers);
    }

    public int members() {
        return members;
    }

    public String run() {
        return run;
    }
}
