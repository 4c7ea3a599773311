package io.switchboard.bench.capacity;

import io.switchboard.bench.client.ChatSystem;
import io.switchboard.bench.fanout.RunBroken;
import io.switchboard.bench.node.Actuator;
import io.switchboard.bench.node.NodeMemory;
import io.switchboard.bench.report.JsonFile;
import io.switchboard.bench.report.LineChart;
import io.switchboard.bench.worker.WorkerOptions;
import io.switchboard.bench.worker.Workers;
import java.net.InetAddress;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code chat-bench capacity}: what an idle joined connection costs, step by step, on one node or
 * on several (their memory summed, against all connections).
 */
@Command(name = "capacity", mixinStandardHelpOptions = true,
        description = "Opens idle joined connections in steps, spread over child processes and loopback source "
                + "addresses, and reports the connect rate and the nodes' heap (after a full GC) and RSS per "
                + "connection at each step. The nodes must run on this machine (jcmd, /proc).")
public final class CapacityCommand implements Callable<Integer> {

    private static final double KIB = 1024.0;

    @Option(names = "--system", defaultValue = "switchboard",
            description = "${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
    ChatSystem system;

    @Option(names = "--url", required = true, paramLabel = "WS_URL",
            description = "WebSocket address of a measured node, repeatable: connections go round-robin over them.")
    List<URI> urls;

    @Option(names = "--management", required = true, paramLabel = "URL",
            description = "Management address of each measured node (http://127.0.0.1:18181), repeatable; "
                    + "their memory is summed.")
    List<URI> management;

    @Option(names = "--steps", split = ",", required = true, paramLabel = "N",
            description = "Connection counts to measure at, comma-separated, rising (e.g. 1000,5000,10000).")
    List<Integer> steps;

    @Option(names = "--connects-in-flight", defaultValue = "256", paramLabel = "N",
            description = "Handshakes and joins each client process has in flight at once (default: ${DEFAULT-VALUE}).")
    int connectsInFlight;

    @Option(names = "--members", defaultValue = "50", description = "Connections per room (default: ${DEFAULT-VALUE}).")
    int members;

    @Option(names = "--processes", defaultValue = "2", description = "Client processes (default: ${DEFAULT-VALUE}).")
    int processes;

    @Option(names = "--source-address", paramLabel = "IP", defaultValue = "127.0.0.2,127.0.0.3,127.0.0.4,127.0.0.5,"
            + "127.0.0.6,127.0.0.7,127.0.0.8,127.0.0.9", split = ",",
            description = "Local addresses to connect from, round-robin (default: ${DEFAULT-VALUE}).")
    List<InetAddress> sourceAddresses;

    @Option(names = "--deflate", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Offer permessage-deflate as browsers do (default: on).")
    boolean deflate;

    @Option(names = "--chart", defaultValue = "capacity.png", paramLabel = "PNG",
            description = "Chart of KiB per connection against connections (default: ${DEFAULT-VALUE}).")
    Path chart;

    @Option(names = "--json", paramLabel = "FILE", description = "Write the result as JSON to FILE.")
    Path json;

    @Override
    public Integer call() {
        List<NodeMemory> nodes = management.stream().map(Actuator::new).map(NodeMemory::new).toList();
        NodeMemory.Reading baseline = read(nodes);
        List<CapacityResult.Step> measured = new ArrayList<>();
        try (Workers workers = new Workers("capacity-worker", processes, workerArgs())) {
            int before = 0;
            for (int target : steps) {
                long started = System.nanoTime();
                Held held = growTo(workers, target);
                double seconds = (System.nanoTime() - started) / 1e9;
                NodeMemory.Reading reading = read(nodes);
                int open = held.connections() - held.failed();
                measured.add(new CapacityResult.Step(held.connections(), held.failed(), (open - before) / seconds,
                        reading.heapBytes(), reading.rssBytes(), perConnection(reading.heapBytes(), baseline.heapBytes(), open),
                        perConnection(reading.rssBytes(), baseline.rssBytes(), open)));
                System.out.print(step(measured.getLast()));
                before = open;
            }
        }
        CapacityResult result = new CapacityResult(system.name().toLowerCase(),
                urls.stream().map(system::address).map(Object::toString).toList(), members, processes, deflate,
                nodes.stream().map(NodeMemory::pid).toList(), baseline.heapBytes(), baseline.rssBytes(), measured);
        System.out.print(result.summary());
        writeChart(result);
        if (json != null) {
            JsonFile.write(json, result);
        }
        return 0;
    }

    /** What the workers hold after a step. */
    private record Held(int connections, int failed) {}

    /** Grows the workers to {@code total} connections together and waits until each answered. */
    private static Held growTo(Workers workers, int total) {
        List<String> answers = workers.ask(i -> Integer.toString(WorkerOptions.share(total, i, workers.count())));
        int held = 0;
        int failed = 0;
        for (String answer : answers) {
            String[] fields = answer.split(" ");
            held += Integer.parseInt(fields[1]);
            failed += Integer.parseInt(fields[3]);
        }
        return new Held(held, failed);
    }

    /** All nodes' memory together. */
    private static NodeMemory.Reading read(List<NodeMemory> nodes) {
        long heap = 0;
        long rss = 0;
        for (NodeMemory node : nodes) {
            NodeMemory.Reading reading = node.read();
            heap += reading.heapBytes();
            rss += reading.rssBytes();
        }
        return new NodeMemory.Reading(heap, rss);
    }

    private List<String> workerArgs() {
        if (steps.isEmpty()) {
            throw new RunBroken("--steps needs at least one count");
        }
        List<String> args = new ArrayList<>(WorkerOptions.args(system, urls, members,
                UUID.randomUUID().toString().substring(0, 8), deflate, sourceAddresses));
        args.addAll(List.of("--connects-in-flight", Integer.toString(connectsInFlight)));
        return args;
    }

    private static double perConnection(long now, long baseline, int connections) {
        return connections == 0 ? 0 : (now - baseline) / KIB / connections;
    }

    private static String step(CapacityResult.Step step) {
        return String.format("  %,d connections (%,d failed): %,.0f connects/s, heap %.1f KiB/conn, rss %.1f KiB/conn%n",
                step.connections(), step.failed(), step.connectsPerSecond(), step.heapKibPerConnection(),
                step.rssKibPerConnection());
    }

    private void writeChart(CapacityResult result) {
        LineChart plot = new LineChart(result.system() + ": memory per idle joined connection", "connections",
                "KiB per connection", false);
        LineChart.Line heap = plot.line("heap after full GC");
        LineChart.Line rss = plot.line("RSS");
        for (CapacityResult.Step step : result.steps()) {
            heap.point(step.connections(), step.heapKibPerConnection());
            rss.point(step.connections(), step.rssKibPerConnection());
        }
        plot.writePng(chart);
        System.out.println("chart: " + chart);
    }
}
