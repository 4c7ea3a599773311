package io.switchboard.bench.sweep;

import io.switchboard.bench.fanout.LoadOptions;
import io.switchboard.bench.fanout.TargetOptions;
import io.switchboard.bench.report.JsonFile;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code chat-bench sweep}: the highest delivery rate a system sustains within a p99 bound. */
@Command(name = "sweep", mixinStandardHelpOptions = true,
        description = "Fan-out at rising delivery rates until p99 passes the bound or a delivery is lost; reports "
                + "each step, the highest sustainable rate, and a chart of p50 and p99 against the rate.")
public final class SweepCommand implements Callable<Integer> {

    @Mixin
    TargetOptions target;

    @Mixin
    LoadOptions load;

    @Mixin
    SweepOptions sweep;

    @Option(names = "--chart", defaultValue = "sweep.png", paramLabel = "PNG",
            description = "Chart of p50 and p99 against the rate (default: ${DEFAULT-VALUE}).")
    Path chart;

    @Override
    public Integer call() {
        SweepResult result = sweep.run(load.scenario(target.system(), target.endpoints(), 1));
        Sweep.writeChart(chart, result.system() + ": fan-out latency against rate", List.of(result));
        System.out.println("chart: " + chart);
        if (load.json() != null) {
            JsonFile.write(load.json(), result);
        }
        return 0;
    }
}
