package io.switchboard.bench.fanout;

import io.switchboard.bench.client.Member;
import io.switchboard.bench.client.Transport;
import io.switchboard.bench.cpu.CpuUse;
import io.switchboard.bench.report.Percentiles;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Runs one {@link Scenario}: joins every member, publishes on a fixed clock (an open model: the
 * n-th message is due at {@code start + n / rate} whether or not the system kept up), waits for
 * outstanding deliveries, and counts. Rooms get a fresh name per run, so runs never share history.
 *
 * <p>Use: {@link #open} (connect and join), {@link #publish} (load until told to stop), then
 * {@link #close}. {@link #run} does all three for a fixed duration.
 */
public final class Fanout implements AutoCloseable {

    /** How many handshakes may be in flight at once: enough to connect fast, few enough not to look like a flood. */
    private static final int CONNECTS_IN_FLIGHT = 256;
    private static final Duration JOIN_TIMEOUT = Duration.ofSeconds(60);
    /** The first send is due this long after publishing starts, so the pacer starts on time. */
    private static final long LEAD_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    private static final long DRAIN_POLL_MILLIS = 20;

    private final Scenario scenario;
    private final Transport transport;
    private final Tally tally;
    private final List<Member> members = new ArrayList<>();
    private final List<Publisher> publishers = new ArrayList<>();
    /** Each member's measured receipts, when the run keeps them ({@code fanout --receipts}); else null. */
    private final List<ReceiptLog> logs;
    private long publishedNanos;

    private Fanout(Scenario scenario, boolean keepReceipts) {
        this.scenario = scenario;
        this.logs = keepReceipts ? new ArrayList<>() : null;
        this.tally = new Tally(scenario.members());
        this.transport = new Transport(scenario.deflate(), scenario.sourceAddresses());
    }

    /** Runs the scenario for {@code duration} after its warm-up. */
    public static FanoutResult run(Scenario scenario, Duration duration) {
        return run(scenario, duration, null);
    }

    /**
     * As {@link #run(Scenario, Duration)}, and writes every measured receipt to {@code receipts}
     * ({@link ReceiptLog}) unless it is null.
     */
    public static FanoutResult run(Scenario scenario, Duration duration, Path receipts) {
        try (Fanout fanout = open(scenario, receipts != null)) {
            FanoutResult result = fanout.publish(elapsed -> elapsed >= duration.toNanos());
            if (receipts != null) {
                ReceiptLog.write(fanout.logs, receipts);
            }
            return result;
        }
    }

    /**
     * Connects and joins every member, at most {@value #CONNECTS_IN_FLIGHT} handshakes at a time.
     *
     * @throws RunBroken when a member cannot join: the load would not be the one asked for
     */
    public static Fanout open(Scenario scenario) {
        return open(scenario, false);
    }

    private static Fanout open(Scenario scenario, boolean keepReceipts) {
        Fanout fanout = new Fanout(scenario, keepReceipts);
        try {
            fanout.joinAll();
            return fanout;
        } catch (RuntimeException e) {
            fanout.close();
            throw e;
        }
    }

    private void joinAll() {
        String run = UUID.randomUUID().toString().substring(0, 8);
        Semaphore inFlight = new Semaphore(CONNECTS_IN_FLIGHT);
        List<CompletableFuture<Void>> joins = new ArrayList<>();
        int index = 0;
        for (int r = 0; r < scenario.rooms(); r++) {
            String room = "bench-" + run + "-" + r;
            for (int m = 0; m < scenario.members(); m++, index++) {
                inFlight.acquireUninterruptibly();
                long started = System.nanoTime();
                ReceiptLog log = logs == null ? null : new ReceiptLog(index);
                if (log != null) {
                    logs.add(log);
                }
                Member member = scenario.system().join(transport, scenario.endpoints(), index,
                        "b" + run + "-" + r + "-" + m, room, new Receiver(tally, log));
                members.add(member);
                CompletableFuture<Void> joined = member.joined().orTimeout(JOIN_TIMEOUT.toSeconds(), TimeUnit.SECONDS)
                        .whenComplete((ok, error) -> {
                            inFlight.release();
                            if (error == null) {
                                tally.connectMicros.recordValue(Tally.micros(System.nanoTime() - started));
                            }
                        });
                joins.add(joined);
            }
        }
        long failed = joins.stream().filter(join -> {
            try {
                join.join();
                return false;
            } catch (RuntimeException e) {
                return true;
            }
        }).count();
        if (failed > 0) {
            throw new RunBroken(failed + " of " + joins.size() + " members could not join " + scenario.endpoints().uris()
                    + " within " + JOIN_TIMEOUT.toSeconds() + " s; errors: " + tally.errors());
        }
        for (int p = 0; p < scenario.publishers(); p++) {
            int room = p % scenario.rooms();
            int member = p / scenario.rooms();
            publishers.add(new Publisher(p, members.get(room * scenario.members() + member)));
        }
    }

    /** Decides when publishing stops, by the nanoseconds since the warm-up ended. */
    @FunctionalInterface
    public interface Until {
        boolean done(long measuredNanos);
    }

    /**
     * Publishes on the fixed clock until {@code until} says so, waits up to the scenario's drain
     * wait for every expected delivery, and returns the counts. Runs on the calling thread.
     */
    public FanoutResult publish(Until until) {
        double periodNanos = TimeUnit.SECONDS.toNanos(1) / scenario.messageRate();
        long start = System.nanoTime() + LEAD_NANOS;
        long measureFrom = start + scenario.warmup().toNanos();
        tally.measureFrom(measureFrom);
        long n = 0;
        long due = start;
        // The server processes' CPU seconds when the measured phase began. Read once here too, so that
        // the reading at the boundary runs warm: the first one loaded its classes on the pacer's thread,
        // and the measured phase's first messages went out up to a millisecond late (docs/benchmarks.md).
        scenario.cpu().read();
        Map<Long, Double> cpuFrom = null;
        while (due < measureFrom || !until.done(due - measureFrom)) {
            long wait = due - System.nanoTime();
            if (wait > 0) {
                LockSupport.parkNanos(wait);
                continue;
            }
            publishers.get((int) (n % publishers.size())).send(due);
            if (cpuFrom == null && due >= measureFrom) {
                cpuFrom = scenario.cpu().read(); // the first measured message went out just now
            }
            n++;
            due = start + (long) (n * periodNanos);
        }
        publishedNanos = due - measureFrom;
        awaitDeliveries();
        CpuUse cpu = cpuFrom == null || !scenario.cpu().measures() ? CpuUse.none()
                : scenario.cpu().since(cpuFrom, tally.received.sum(), "delivery");
        return result(cpu);
    }

    private void awaitDeliveries() {
        long deadline = System.nanoTime() + scenario.drainWait().toNanos();
        while (tally.received.sum() < tally.expected.sum() && System.nanoTime() < deadline) {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(DRAIN_POLL_MILLIS));
        }
    }

    private FanoutResult result(CpuUse cpu) {
        double seconds = publishedNanos / 1e9;
        long expected = tally.expected.sum();
        long received = tally.received.sum();
        int deflated = (int) members.stream().filter(Member::deflateNegotiated).count();
        return new FanoutResult(scenario.system().name().toLowerCase(),
                scenario.endpoints().uris().stream().map(Object::toString).toList(), scenario.rooms(),
                scenario.members(), scenario.publishers(), scenario.messageRate(), scenario.deliveryRate(),
                scenario.size(), scenario.deflate(), deflated, scenario.warmup().toMillis() / 1000.0, seconds,
                tally.sent.sum(), tally.acked.sum(), expected, received, Math.max(0, expected - received),
                tally.duplicated.sum(), tally.outOfOrder.sum(), seconds > 0 ? received / seconds : 0, tally.latency(),
                tally.firstReceipt(), tally.spread(),
                Percentiles.ofMicros(tally.ackMicros), Percentiles.ofMicros(tally.connectMicros),
                Percentiles.ofMicros(tally.rejoinMicros), tally.errors(), cpu, null);
    }

    /** How many members are not in their room right now (moving between nodes). */
    public long away() {
        return members.stream().filter(member -> !member.inRoom()).count();
    }

    @Override
    public void close() {
        members.forEach(Member::close);
        transport.close();
    }

    /** One publishing member: numbers its messages and stamps each with its due time. */
    private final class Publisher {
        private final int id;
        private final Member member;
        private long seq;

        Publisher(int id, Member member) {
            this.id = id;
            this.member = member;
        }

        void send(long dueNanos) {
            String text = new Payload(id, ++seq, dueNanos).encode(scenario.size());
            if (tally.counts(dueNanos)) {
                tally.sent.increment();
                tally.expected.add(scenario.members());
            }
            member.send(text);
        }
    }
}
