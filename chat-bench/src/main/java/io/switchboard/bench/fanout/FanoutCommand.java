package io.switchboard.bench.fanout;

import io.switchboard.bench.cpu.FloorResult;
import io.switchboard.bench.report.JsonFile;
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

    @Override
    public Integer call() {
        Scenario scenario = load.scenario(target.system(), target.endpoints(), rate.messagesPerSecond(load.members()));
        FanoutResult result = Fanout.run(scenario, duration);
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
