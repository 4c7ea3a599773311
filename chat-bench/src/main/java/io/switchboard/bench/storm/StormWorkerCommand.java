package io.switchboard.bench.storm;

import io.switchboard.bench.client.Endpoints;
import io.switchboard.bench.client.ErrorsOnly;
import io.switchboard.bench.client.Member;
import io.switchboard.bench.client.Transport;
import io.switchboard.bench.report.ErrorCounts;
import io.switchboard.bench.worker.WorkerOptions;
import io.switchboard.bench.worker.Workers;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Recorder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * The child JVM of {@code storm} (hidden). On {@code join} it opens its share of the storm's
 * clients at once, each connecting, saying hello and joining its room, waits until every one is in
 * (or the join timeout passed), and answers one line ({@link StormAnswer}); on {@code leave} it
 * closes them all and answers {@code left}. End of stdin exits. Each worker owns its share of the
 * clients ({@link WorkerOptions}), and the same clients join the same rooms in every round.
 */
@Command(name = "storm-worker", hidden = true, description = "Internal: one child process of storm.")
public final class StormWorkerCommand implements Runnable {

    static final String JOIN = "join";
    static final String LEAVE = "leave";
    static final String LEFT = "left";

    @Mixin
    WorkerOptions options;

    @Option(names = "--clients", required = true)
    int clients;

    @Option(names = "--connects-in-flight", required = true)
    int connectsInFlight;

    @Option(names = "--join-timeout-ms", required = true)
    long joinTimeoutMs;

    @Override
    public void run() {
        Endpoints endpoints = options.endpoints();
        List<Member> open = new ArrayList<>();
        try (Transport transport = options.transport();
                BufferedReader in = new BufferedReader(new InputStreamReader(System.in))) {
            System.out.println(Workers.READY);
            System.out.flush();
            String line;
            while ((line = in.readLine()) != null) {
                switch (line.strip()) {
                    case JOIN -> System.out.println(join(transport, endpoints, open).line());
                    case LEAVE -> {
                        open.forEach(Member::close);
                        open.clear();
                        System.out.println(LEFT);
                    }
                    default -> throw new IllegalArgumentException("storm-worker: unknown command " + line);
                }
                System.out.flush();
            }
            open.forEach(Member::close);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Opens this worker's clients at once (at most --connects-in-flight unfinished) and waits for each to be in. */
    private StormAnswer join(Transport transport, Endpoints endpoints, List<Member> open) {
        Recorder joinMicros = new Recorder(3);
        ErrorCounts errors = new ErrorCounts();
        ErrorCounts failures = new ErrorCounts();
        Semaphore inFlight = new Semaphore(connectsInFlight > 0 ? connectsInFlight : Integer.MAX_VALUE);
        List<CompletableFuture<Void>> joins = new ArrayList<>();
        long started = System.nanoTime();
        for (int k = 0; k < options.share(clients); k++) {
            int global = options.global(k);
            inFlight.acquireUninterruptibly();
            long connecting = System.nanoTime();
            Client client = new Client(errors);
            Member member = options.system().join(transport, endpoints, global, "s" + options.run() + "-" + global,
                    "storm-" + options.run() + "-" + global / options.members(), client);
            open.add(member);
            joins.add(member.joined().orTimeout(joinTimeoutMs, TimeUnit.MILLISECONDS).whenComplete((ok, error) -> {
                inFlight.release();
                if (error == null) {
                    joinMicros.recordValue(Math.max(1, (System.nanoTime() - connecting) / 1000));
                } else {
                    failures.add(client.lastError == null ? "not in its room after the join timeout" : client.lastError);
                }
            }));
        }
        joins.forEach(join -> join.handle((ok, error) -> null).join());
        long micros = (System.nanoTime() - started) / 1000;
        Map<String, Long> failed = failures.sorted();
        return new StormAnswer(open.size() - failed.values().stream().mapToLong(Long::longValue).sum(), micros,
                joinMicros.getIntervalHistogram(), failed, errors.sorted());
    }

    /** A storm client: it only notes what went wrong (a refused handshake or join it retried, say). */
    private static final class Client extends ErrorsOnly {
        private final ErrorCounts errors;
        private volatile String lastError;

        Client(ErrorCounts errors) {
            this.errors = errors;
        }

        @Override
        public void onError(String what) {
            lastError = what;
            errors.add(what);
        }
    }
}
