package io.switchboard.bench.capacity;

import io.switchboard.bench.client.Endpoints;
import io.switchboard.bench.client.ErrorsOnly;
import io.switchboard.bench.client.Member;
import io.switchboard.bench.client.Transport;
import io.switchboard.bench.worker.WorkerOptions;
import io.switchboard.bench.worker.Workers;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * The child JVM of {@code capacity} (hidden): holds its share of idle joined connections. It reads
 * one number per line on stdin, the count it should hold, opens connections up to it, and answers
 * {@code held <count> failed <failures>} on stdout (after a first {@code ready}). End of stdin closes
 * everything.
 */
@Command(name = "capacity-worker", hidden = true, description = "Internal: one child process of capacity.")
public final class CapacityWorkerCommand implements Runnable {

    private static final long JOIN_TIMEOUT_SECONDS = 60;

    @Mixin
    WorkerOptions options;

    @Option(names = "--connects-in-flight", required = true)
    int connectsInFlight;

    private final List<Member> held = new ArrayList<>();
    private final LongAdder failures = new LongAdder();

    @Override
    public void run() {
        Endpoints endpoints = options.endpoints();
        try (Transport transport = options.transport();
                BufferedReader in = new BufferedReader(new InputStreamReader(System.in))) {
            System.out.println(Workers.READY);
            System.out.flush();
            String line;
            while ((line = in.readLine()) != null) {
                growTo(Integer.parseInt(line.strip()), transport, endpoints);
                System.out.println("held " + held.size() + " failed " + failures.sum());
                System.out.flush();
            }
            held.forEach(Member::close);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void growTo(int target, Transport transport, Endpoints endpoints) {
        Semaphore inFlight = new Semaphore(connectsInFlight);
        List<CompletableFuture<Void>> joins = new ArrayList<>();
        for (int k = held.size(); k < target; k++) {
            int global = options.global(k);
            inFlight.acquireUninterruptibly();
            Member member = options.system().join(transport, endpoints, global, "c" + options.run() + "-" + global,
                    "cap-" + options.run() + "-" + global / options.members(), new Idle());
            held.add(member);
            joins.add(member.joined().orTimeout(JOIN_TIMEOUT_SECONDS, TimeUnit.SECONDS)
                    .whenComplete((ok, error) -> {
                        inFlight.release();
                        if (error != null) {
                            failures.increment();
                        }
                    }));
        }
        joins.forEach(join -> join.handle((ok, error) -> null).join());
    }

    /** An idle member: it only reports what went wrong, on stderr, which the parent passes through. */
    private static final class Idle extends ErrorsOnly {
        @Override
        public void onError(String what) {
            System.err.println("capacity-worker: " + what);
        }
    }
}
