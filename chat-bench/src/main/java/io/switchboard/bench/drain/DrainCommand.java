package io.switchboard.bench.drain;

import io.switchboard.bench.fanout.DurationConverter;
import io.switchboard.bench.fanout.Fanout;
import io.switchboard.bench.fanout.FanoutResult;
import io.switchboard.bench.fanout.LoadOptions;
import io.switchboard.bench.fanout.RateOptions;
import io.switchboard.bench.fanout.RunBroken;
import io.switchboard.bench.fanout.Scenario;
import io.switchboard.bench.fanout.TargetOptions;
import io.switchboard.bench.node.Actuator;
import io.switchboard.bench.report.JsonFile;
import io.switchboard.bench.report.LineChart;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code chat-bench drain}: fan-out load while every node is drained in turn (a rolling upgrade without the restart). */
@Command(name = "drain", mixinStandardHelpOptions = true,
        description = "Fan-out load (through a load balancer, or over each node's URL) while each node is drained in "
                + "turn and restored, optionally followed by adding a node (rebalance). Reports lost and duplicated "
                + "deliveries, reconnect-time percentiles and connections per node over time, with a chart.")
public final class DrainCommand implements Callable<Integer> {

    @Mixin
    TargetOptions target;

    @Mixin
    LoadOptions load;

    @ArgGroup(exclusive = true, multiplicity = "1")
    RateOptions rate;

    @Option(names = "--management", required = true, paramLabel = "URL",
            description = "Management address of each node to drain, in order, repeatable (http://127.0.0.1:18181).")
    List<URI> management;

    @Option(names = "--drain-body", defaultValue = "{}", paramLabel = "JSON",
            description = "Body of each POST /actuator/drain, e.g. {\"window\":\"5s\"} (default: ${DEFAULT-VALUE}).")
    String drainBody;

    @Option(names = "--add-node-command", paramLabel = "COMMAND",
            description = "Shell command run after the drains to add a node (e.g. 'scripts/cluster add'), to show the rebalance.")
    String addNodeCommand;

    @Option(names = "--settle", defaultValue = "5s", converter = DurationConverter.class, paramLabel = "TIME",
            description = "Load kept up after the last drain (or the added node) before stopping ("
                    + DurationConverter.FORMS + "; default: ${DEFAULT-VALUE}).")
    Duration settle;

    @Option(names = "--sample-every", defaultValue = "500ms", converter = DurationConverter.class, paramLabel = "TIME",
            description = "How often connections per node are read (" + DurationConverter.FORMS
                    + ", so write 500ms for half a second; default: ${DEFAULT-VALUE}).")
    Duration sampleEvery;

    @Option(names = "--chart", defaultValue = "drain.png", paramLabel = "PNG",
            description = "Chart of connections per node over time (default: ${DEFAULT-VALUE}).")
    Path chart;

    @Override
    public Integer call() {
        Scenario scenario = load.scenario(target.system(), target.endpoints(), rate.messagesPerSecond(load.members()));
        List<Actuator> nodes = management.stream().map(Actuator::new).toList();
        long zero = System.nanoTime();
        DrainResult result;
        try (Fanout fanout = Fanout.open(scenario);
                ConnectionSampler sampler = new ConnectionSampler(nodes, zero, sampleEvery)) {
            long[] doneAt = {Long.MAX_VALUE};
            CompletableFuture<List<RollingDrain.NodeDrain>> drains = CompletableFuture.supplyAsync(() -> {
                sleep(load.warmup());
                List<RollingDrain.NodeDrain> done = new RollingDrain(nodes, drainBody, zero, fanout::away).run();
                if (addNodeCommand != null) {
                    addNode();
                }
                return done;
            }, runnable -> Thread.ofPlatform().name("bench-drain").daemon().start(runnable));
            drains.whenComplete((ok, error) -> doneAt[0] = System.nanoTime());
            FanoutResult counts = fanout.publish(
                    measured -> drains.isDone() && System.nanoTime() - doneAt[0] >= settle.toNanos());
            result = new DrainResult(counts, drains.join(), addNodeCommand, sampler.samples());
        }
        System.out.print(result.summary());
        writeChart(result);
        if (load.json() != null) {
            JsonFile.write(load.json(), result);
        }
        return 0;
    }

    private void addNode() {
        try {
            Process process = new ProcessBuilder("sh", "-c", addNodeCommand).inheritIO().start();
            if (process.waitFor() != 0) {
                throw new RunBroken("'" + addNodeCommand + "' exited with " + process.exitValue());
            }
        } catch (IOException e) {
            throw new RunBroken("cannot run '" + addNodeCommand + "': " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RunBroken("interrupted");
        }
    }

    private void writeChart(DrainResult result) {
        LineChart plot = new LineChart("Connections per node during a rolling drain", "seconds", "connections", false);
        Map<String, LineChart.Line> lines = new HashMap<>();
        for (ConnectionSampler.Sample sample : result.samples()) {
            sample.connections().forEach((node, count) ->
                    lines.computeIfAbsent(node, plot::line).point(sample.seconds(), count));
        }
        plot.writePng(chart);
        System.out.println("chart: " + chart);
    }

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RunBroken("interrupted");
        }
    }
}
