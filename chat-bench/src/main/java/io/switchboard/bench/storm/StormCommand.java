package io.switchboard.bench.storm;

import io.switchboard.bench.client.Endpoints;
import io.switchboard.bench.cpu.CpuOptions;
import io.switchboard.bench.cpu.CpuUse;
import io.switchboard.bench.cpu.ServerCpu;
import io.switchboard.bench.fanout.DurationConverter;
import io.switchboard.bench.fanout.RunBroken;
import io.switchboard.bench.fanout.TargetOptions;
import io.switchboard.bench.report.JsonFile;
import io.switchboard.bench.report.LineChart;
import io.switchboard.bench.report.Percentiles;
import io.switchboard.bench.worker.WorkerOptions;
import io.switchboard.bench.worker.Workers;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.Callable;
import org.HdrHistogram.Histogram;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code chat-bench storm}: what a reconnect storm costs. Every round, all clients connect, say
 * hello and join their rooms at once (from several client processes, so the generator is not the
 * limit), then all leave; the servers' CPU time over the round (until they are quiet again) is
 * divided by the clients. Rounds run first for the warm-up (the JIT compiles what a storm needs),
 * then the measured ones.
 */
@Command(name = "storm", mixinStandardHelpOptions = true,
        description = "Reconnect storms: all clients connect, hello and join their rooms at once, then leave. Reports "
                + "per measured round the time until all were in, joins/s, connect-to-joined percentiles, failures "
                + "and retried errors by cause, and the server processes' CPU per client (join, leave, both).")
public final class StormCommand implements Callable<Integer> {

    /** A phase ends when the measured processes together use less than this share of one core... */
    private static final double QUIET_SHARE = 0.05;
    /** ...over this long. */
    private static final Duration QUIET_WINDOW = Duration.ofMillis(500);
    private static final Duration LONGEST_SETTLE = Duration.ofSeconds(30);

    @Mixin
    TargetOptions target;

    @Mixin
    CpuOptions cpuOptions;

    @Option(names = "--clients", defaultValue = "6000", description = "Clients in a storm (default: ${DEFAULT-VALUE}).")
    int clients;

    @Option(names = "--members", defaultValue = "50", description = "Clients per room (default: ${DEFAULT-VALUE}).")
    int members;

    @Option(names = "--processes", defaultValue = "2", description = "Client processes (default: ${DEFAULT-VALUE}).")
    int processes;

    @Option(names = "--rounds", defaultValue = "2", description = "Measured storms (default: ${DEFAULT-VALUE}).")
    int rounds;

    @Option(names = "--warmup", defaultValue = "60s", converter = DurationConverter.class, paramLabel = "TIME",
            description = "Storms before measuring, repeated until this long has passed; 0 for none ("
                    + DurationConverter.FORMS + "; default: ${DEFAULT-VALUE}).")
    Duration warmup;

    @Option(names = "--connects-in-flight", defaultValue = "0", paramLabel = "N",
            description = "Handshakes and joins each client process has unfinished at once; 0 for all (default: ${DEFAULT-VALUE}).")
    int connectsInFlight;

    @Option(names = "--join-timeout", defaultValue = "60s", converter = DurationConverter.class, paramLabel = "TIME",
            description = "A client not in its room this long after its connect counts as failed ("
                    + DurationConverter.FORMS + "; default: ${DEFAULT-VALUE}).")
    Duration joinTimeout;

    @Option(names = "--source-address", paramLabel = "IP", defaultValue = "127.0.0.2,127.0.0.3,127.0.0.4,127.0.0.5",
            split = ",", description = "Local addresses to connect from, round-robin (default: ${DEFAULT-VALUE}).")
    List<InetAddress> sourceAddresses;

    @Option(names = "--deflate", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Offer permessage-deflate as browsers do (default: on; --no-deflate turns it off).")
    boolean deflate;

    @Option(names = "--chart", defaultValue = "storm.png", paramLabel = "PNG",
            description = "Chart of the share of clients in their rooms against time since their connect (default: ${DEFAULT-VALUE}).")
    Path chart;

    @Option(names = "--json", paramLabel = "FILE", description = "Write the result as JSON to FILE.")
    Path json;

    @Override
    public Integer call() throws InterruptedException {
        if (clients < 1 || members < 1 || processes < 1 || rounds < 1) {
            throw new IllegalArgumentException("--clients, --members, --processes and --rounds must be at least 1");
        }
        Endpoints endpoints = target.endpoints();
        ServerCpu cpu = cpuOptions.select(endpoints);
        if (!cpu.measures()) {
            System.out.println("no server process found on this machine: CPU is not measured (see --cpu-pid, --cpu-port)");
        }
        List<StormResult.Round> measured = new ArrayList<>();
        int warmupRounds = 0;
        try (Workers workers = new Workers("storm-worker", processes, workerArgs())) {
            long warmUntil = System.nanoTime() + warmup.toNanos();
            while (System.nanoTime() < warmUntil) {
                StormResult.Round round = storm(workers, cpu);
                warmupRounds++;
                System.out.printf("  warm-up storm %d: all in after %.2f s%n", warmupRounds, round.secondsUntilAllIn());
            }
            for (int i = 1; i <= rounds; i++) {
                StormResult.Round round = storm(workers, cpu);
                measured.add(round);
                System.out.print(round.summary(i));
            }
        }
        StormResult result = new StormResult(target.system().name().toLowerCase(),
                endpoints.uris().stream().map(Object::toString).toList(), clients, members, processes, deflate,
                warmupRounds, cpu.pids(), measured);
        writeChart(result);
        if (json != null) {
            JsonFile.write(json, result);
        }
        return 0;
    }

    /** One storm: everyone in, then everyone out, with the servers' CPU over each half. */
    private StormResult.Round storm(Workers workers, ServerCpu cpu) throws InterruptedException {
        Map<Long, Double> before = cpu.read();
        List<StormAnswer> answers = workers.ask(i -> StormWorkerCommand.JOIN).stream().map(StormAnswer::parse).toList();
        Map<Long, Double> in = cpu.whenQuiet(QUIET_WINDOW, QUIET_SHARE, LONGEST_SETTLE);
        for (String answer : workers.ask(i -> StormWorkerCommand.LEAVE)) {
            if (!StormWorkerCommand.LEFT.equals(answer)) {
                throw new RunBroken("a storm worker answered " + answer + " to leave");
            }
        }
        Map<Long, Double> out = cpu.whenQuiet(QUIET_WINDOW, QUIET_SHARE, LONGEST_SETTLE);

        Histogram joinMicros = new Histogram(3);
        long joined = 0;
        long slowestWorkerMicros = 0;
        Map<String, Long> failed = new TreeMap<>();
        Map<String, Long> errors = new TreeMap<>();
        for (StormAnswer answer : answers) {
            joinMicros.add(answer.joinMicros());
            joined += answer.joined();
            slowestWorkerMicros = Math.max(slowestWorkerMicros, answer.micros());
            answer.failed().forEach((cause, count) -> failed.merge(cause, count, Long::sum));
            answer.errors().forEach((cause, count) -> errors.merge(cause, count, Long::sum));
        }
        double seconds = slowestWorkerMicros / 1e6;
        return new StormResult.Round(clients, joined, seconds, joined / seconds, Percentiles.ofMicros(joinMicros),
                cdf(joinMicros), failed, errors, cpu.between(before, in, clients, "client joining"),
                cpu.between(in, out, clients, "client leaving"), cpu.between(before, out, clients, "client"));
    }

    /** Milliseconds by which each whole percent of the clients was in. */
    private static List<Double> cdf(Histogram joinMicros) {
        List<Double> millis = new ArrayList<>();
        for (int percent = 1; percent <= 100; percent++) {
            millis.add(joinMicros.getTotalCount() == 0 ? 0 : joinMicros.getValueAtPercentile(percent) / 1000.0);
        }
        return millis;
    }

    private List<String> workerArgs() {
        List<String> args = new ArrayList<>(WorkerOptions.args(target.system(), target.endpoints().uris(), members,
                UUID.randomUUID().toString().substring(0, 8), deflate, sourceAddresses));
        args.addAll(List.of("--clients", Integer.toString(clients), "--connects-in-flight",
                Integer.toString(connectsInFlight), "--join-timeout-ms", Long.toString(joinTimeout.toMillis())));
        return args;
    }

    private void writeChart(StormResult result) {
        LineChart plot = new LineChart(result.system() + ": " + result.clients() + " clients joining at once",
                "ms since the client's connect", "% of clients in their room", false);
        for (int i = 0; i < result.rounds().size(); i++) {
            LineChart.Line line = plot.line("storm " + (i + 1));
            List<Double> cdf = result.rounds().get(i).joinedByPercent();
            for (int percent = 1; percent <= cdf.size(); percent++) {
                line.point(cdf.get(percent - 1), percent);
            }
        }
        plot.writePng(chart);
        System.out.println("chart: " + chart);
    }

}
