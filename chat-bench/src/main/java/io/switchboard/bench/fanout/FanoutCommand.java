package io.switchboard.bench.fanout;

import io.switchboard.bench.cpu.FloorResult;
import io.switchboard.bench.report.JsonFile;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code chat-bench fanout}: one fan-out load at a fixed rate, measured. */
@Command(name = "fanout", mixinStandardHelpOptions = true,
        description = "Rooms of members spread over the URLs; publishers send at a fixed total rate (open model: "
                + "latency runs from each message's scheduled send time). Reports sent, acked, expected and received "
                + "deliveries, lost, duplicated, out of order, deliveries/s, latency and connect-time percentiles.")
public final class FanoutCommand implements Callable<Integer> {

    @Mixin
    TargetOptions target;

    @Mixin
    LoadOptions load;

    @ArgGroup(exclusive = true, multiplicity = "1")
    RateOptions rate;

    @Option(names = "--duration", defaultValue = "10s", converter = DurationConverter.class, paramLabel = "TIME",
            description = "Measured time, after the warm-up (" + DurationConverter.FORMS + "; default: ${DEFAULT-VALUE}).")
    Duration duration;

    @Option(names = "--receipts", paramLabel = "FILE",
            description = "Also write every measured receipt to FILE, one line each: the message's due time "
                    + "(System.nanoTime of this generator, the machine's CLOCK_MONOTONIC, in ns), its latency (µs), "
                    + "publisher, sequence number and receiving member; by due time.")
    Path receipts;

    @Override
    public Integer call() {
        Scenario scenario = load.scenario(target.system(), target.endpoints(), rate.messagesPerSecond(load.members()));
        FanoutResult result = Fanout.run(scenario, duration, receipts);
        FloorResult floor = load.floor(scenario.deliveryRate());
        if (floor != null) {
            result = result.withFloor(floor);
        }
        System.out.print(result.summary());
        if (load.json() != null) {
            JsonFile.write(load.json(), result);
        }
        return 0;
    }
}
