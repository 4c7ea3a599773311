package io.switchboard.bench;

import io.switchboard.bench.capacity.CapacityCommand;
import io.switchboard.bench.capacity.CapacityWorkerCommand;
import io.switchboard.bench.compare.CompareCommand;
import io.switchboard.bench.drain.DrainCommand;
import io.switchboard.bench.fanout.DurationConverter;
import io.switchboard.bench.fanout.FanoutCommand;
import io.switchboard.bench.fanout.RunBroken;
import io.switchboard.bench.soak.SoakCommand;
import io.switchboard.bench.storm.StormCommand;
import io.switchboard.bench.storm.StormWorkerCommand;
import io.switchboard.bench.sweep.SweepCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * chat-bench: a load generator for Switchboard and the Socket.IO peer. Every command measures a
 * real run; see {@code chat-bench <command> --help} and docs/benchmarks.md.
 */
@Command(name = "chat-bench", mixinStandardHelpOptions = true, version = "chat-bench 0.1.0",
        description = "Measures chat fan-out latency, capacity, reconnect storms, drains and soaks of Switchboard and the Socket.IO peer.",
        footer = {"", "Every option that takes a time (--duration, --warmup, --drain-wait, --step-duration, --p99-bound, "
                + "--settle, --sample-every, --send-every, --join-timeout, --floor-duration) reads it the same way: " + DurationConverter.FORMS + "."},
        subcommands = {FanoutCommand.class, SweepCommand.class, CompareCommand.class, CapacityCommand.class,
                CapacityWorkerCommand.class, DrainCommand.class, SoakCommand.class, StormCommand.class,
                StormWorkerCommand.class, CommandLine.HelpCommand.class})
public final class Bench implements Runnable {

    /** Exit code of a run that could not measure what was asked. */
    static final int BROKEN = 2;

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The command line as {@code main} runs it (tests execute it the same way). */
    public static CommandLine commandLine() {
        return new CommandLine(new Bench())
                .setCaseInsensitiveEnumValuesAllowed(true)
                .setExecutionExceptionHandler((error, commandLine, parsed) -> {
                    if (error instanceof RunBroken || error instanceof IllegalArgumentException) {
                        commandLine.getErr().println("chat-bench: " + error.getMessage());
                        return BROKEN;
                    }
                    throw error;
                });
    }

    @Override
    public void run() {
        CommandLine.usage(this, System.out);
    }
}
