package io.switchboard.bench.storm;

import io.switchboard.bench.client.ChatSystem;
import io.switchboard.bench.client.Endpoints;
import io.switchboard.bench.client.Member;
import io.switchboard.bench.client.Transport;
import io.switchboard.bench.fanout.TargetOptions;
import io.switchboard.bench.report.ErrorCounts;
import io.switchboard.bench.worker.Workers;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Recorder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The child JVM of {@code storm} (hidden). On {@code join} it opens its share of the storm's
 * clients at once, each connecting, saying hello and joining its room, waits until every one is in
 * (or the join timeout passed), and answers one line ({@link StormAnswer}); on {@code leave} it
 * closes them all and answers {@code left}. End of stdin exits. Worker {@code w} of {@code P} owns
 * the clients {@code w, w+P, w+2P, ...}, so every room ({@code members} consecutive numbers) spans
 * the workers, and the same clients join the same rooms in every round.
 */
@Command(name = "storm-worker", hidden = true, description = "Internal: one child process of storm.")
public final class StormWorkerCommand implements Runnable {

    static final String JOIN = "join";
    static final String LEAVE = "leave";
    static final String LEFT = "left";

    @Option(names = "--system", defaultValue = "switchboard")
    ChatSystem system;

    @Option(names = "--url", required = true)
    List<URI> urls;

    @Option(names = "--worker", required = true)
    int worker;

    @Option(names = "--workers", required = true)
    int workers;

    @Option(names = "--clients", required = true)
    int clients;

    @Option(names = "--members", required = true)
    int members;

    @Option(names = "--connects-in-flight", required = true)
    int connectsInFlight;

    @Option(names = "--join-timeout-ms", required = true)
    long joinTimeoutMs;

    @Option(names = "--run", required = true)
    String run;

    @Option(names = "--deflate", negatable = true, defaultValue = "true", fallbackValue = "true")
    boolean deflate;

    @Option(names = "--source-address")
    List<InetAddress> sourceAddresses = new ArrayList<>();

    @Override
    public void run() {
        Endpoints endpoints = TargetOptions.endpoints(system, urls);
        List<Member> open = new ArrayList<>();
        try (Transport transport = new Transport(deflate, sourceAddresses);
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
        for (int global = worker; global < clients; global += workers) {
            inFlight.acquireUninterruptibly();
            long connecting = System.nanoTime();
            Client client = new Client(errors);
            Member member = system.join(transport, endpoints, global, "s" + run + "-" + global,
                    "storm-" + run + "-" + global / members, client);
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
    private static final class Client implements Member.Events {
        private final ErrorCounts errors;
        private volatile String lastError;

        Client(ErrorCounts errors) {
            this.errors = errors;
        }

        @Override
        public void onMessage(String text) {
        }

        @Override
        public void onDuplicate() {
        }

        @Override
        public void onAck(String text) {
        }

        @Override
        public void onRejoined(long nanos) {
        }

        @Override
        public void onError(String what) {
            lastError = what;
            errors.add(what);
        }
    }
}
