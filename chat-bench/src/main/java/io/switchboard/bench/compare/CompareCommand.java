package io.switchboard.bench.compare;

import io.switchboard.bench.client.ChatSystem;
import io.switchboard.bench.cpu.FloorResult;
import io.switchboard.bench.fanout.LoadOptions;
import io.switchboard.bench.fanout.TargetOptions;
import io.switchboard.bench.report.JsonFile;
import io.switchboard.bench.sweep.Sweep;
import io.switchboard.bench.sweep.SweepOptions;
import io.switchboard.bench.sweep.SweepResult;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code chat-bench compare}: the same sweep against Switchboard and the Socket.IO peer, back to back. */
@Command(name = "compare", mixinStandardHelpOptions = true,
        description = "Runs the same sweep against Switchboard and then the Socket.IO peer, and prints the ratio "
                + "table (rate at the p99 bound, p99 at equal load) with one chart of both systems' latency.")
public final class CompareCommand implements Callable<Integer> {

    @Option(names = "--switchboard-url", required = true, paramLabel = "WS_URL",
            description = "Switchboard address, repeatable (a load balancer or each node).")
    List<URI> switchboardUrls;

    @Option(names = "--socketio-url", required = true, paramLabel = "WS_URL",
            description = "Socket.IO peer address, repeatable (each peer process).")
    List<URI> socketioUrls;

    @Mixin
    LoadOptions load;

    @Mixin
    SweepOptions sweep;

    @Option(names = "--chart", defaultValue = "compare.png", paramLabel = "PNG",
            description = "Chart of both systems' p50 and p99 against the rate (default: ${DEFAULT-VALUE}).")
    Path chart;

    @Override
    public Integer call() {
        SweepResult ours = sweep(ChatSystem.SWITCHBOARD, switchboardUrls);
        SweepResult theirs = sweep(ChatSystem.SOCKETIO, socketioUrls);
        FloorResult floor = load.floor(sweep.firstRate());
        Comparison comparison = Comparison.of(ours, theirs, floor);
        System.out.print(comparison.summary());
        Sweep.writeChart(chart, "Fan-out latency against rate: Switchboard and Socket.IO", List.of(ours, theirs));
        System.out.println("chart: " + chart);
        if (load.json() != null) {
            JsonFile.write(load.json(), comparison);
        }
        return 0;
    }

    private SweepResult sweep(ChatSystem system, List<URI> urls) {
        return sweep.run(load.scenario(system, TargetOptions.endpoints(system, urls), 1));
    }
}
