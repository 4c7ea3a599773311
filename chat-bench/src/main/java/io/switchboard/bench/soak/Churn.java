package io.switchboard.bench.soak;

import io.switchboard.bench.client.ChatSystem;
import io.switchboard.bench.client.Endpoints;
import io.switchboard.bench.client.Member;
import io.switchboard.bench.client.Transport;
import io.switchboard.bench.fanout.RunBroken;
import io.switchboard.bench.report.ErrorCounts;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * Clients that come and go: each connects, says hello, joins a room, sends its messages one
 * interval apart, waits until each was acknowledged and came back to it, and disconnects; a new
 * client takes its place at once, for as long as a phase lasts. {@code clients} places are filled
 * at any time; their first arrivals are spread over one client's lifetime, so arrivals are steady
 * rather than in waves.
 *
 * <p>Client {@code n} connects to endpoint {@code n} (round-robin, so a room spans the nodes) and
 * joins room {@code n / members}: a room name serves {@code members} clients in a row and is never
 * used again, so rooms are created and dropped as steadily as connections. Every client and room
 * name is new, so whatever a node keeps per name (sessions, rooms, subscriptions, rate limits)
 * grows with the run if it is never let go.
 *
 * <p>Each place is a virtual thread that only waits (for a join, an interval, the answers); the
 * frames are handled on {@link Transport}'s I/O threads.
 */
final class Churn implements AutoCloseable {

    /** How long a client may take from connecting to {@code joined} before it counts as failed. */
    private static final Duration JOIN_TIMEOUT = Duration.ofSeconds(30);
    /** How long a client waits after its last send for the acks and its own messages back. */
    private static final Duration ANSWER_TIMEOUT = Duration.ofSeconds(10);
    private static final char SEPARATOR = ':';
    private static final char PADDING = 'x';

    private final Endpoints endpoints;
    private final int clients;
    private final int members;
    private final int messages;
    private final Duration sendEvery;
    private final int size;
    private final Transport transport;
    private final String run = UUID.randomUUID().toString().substring(0, 8);
    private final AtomicLong next = new AtomicLong();

    /**
     * @param endpoints where clients connect, round-robin
     * @param clients clients connected at once
     * @param members clients that share a room name
     * @param messages messages each client sends before it leaves
     * @param sendEvery pause before each send
     * @param size message text length in characters
     * @param deflate offer permessage-deflate as browsers do
     */
    Churn(Endpoints endpoints, int clients, int members, int messages, Duration sendEvery, int size, boolean deflate) {
        if (clients < 1 || members < 1 || messages < 1) {
            throw new IllegalArgumentException("clients, members and messages must be at least 1");
        }
        this.endpoints = endpoints;
        this.clients = clients;
        this.members = members;
        this.messages = messages;
        this.sendEvery = sendEvery;
        this.size = size;
        this.transport = new Transport(deflate, List.of());
    }

    /**
     * New clients arrive for {@code length}; returns once the last of them has left, with what
     * they counted.
     */
    ChurnCounts run(Duration length) {
        Tally tally = new Tally();
        long started = System.nanoTime();
        long stopArriving = started + length.toNanos();
        long lifetimeNanos = sendEvery.toNanos() * messages;
        List<Future<?>> places = new ArrayList<>();
        try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int place = 0; place < clients; place++) {
                long firstArrival = started + lifetimeNanos * place / clients;
                places.add(threads.submit(() -> {
                    pauseUntil(firstArrival);
                    while (System.nanoTime() < stopArriving) {
                        visit(tally);
                    }
                }));
            }
        } // waits for every place: the last clients finish their visit
        for (Future<?> place : places) {
            if (place.state() == Future.State.FAILED) {
                throw new RunBroken("a client failed: " + place.exceptionNow());
            }
        }
        return tally.counts(length.toNanos() / 1e9);
    }

    /** One client, from connecting to leaving. */
    private void visit(Tally tally) {
        long n = next.getAndIncrement();
        String name = "soak-" + run + "-" + n;
        Visitor visitor = new Visitor(name, tally);
        Member member = ChatSystem.SWITCHBOARD.join(transport, endpoints, (int) n, name,
                "soak-" + run + "-room-" + n / members, visitor);
        try {
            member.joined().get(JOIN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException notJoined) {
            tally.failedJoins.increment();
            member.close();
            return;
        } catch (InterruptedException e) {
            member.close();
            Thread.currentThread().interrupt();
            throw new RunBroken("interrupted");
        }
        tally.connected.increment();
        for (int seq = 1; seq <= messages; seq++) {
            pauseUntil(System.nanoTime() + sendEvery.toNanos());
            member.send(visitor.text(seq));
            tally.sent.increment();
        }
        visitor.awaitAnswers();
        member.close();
        tally.disconnected.increment();
        tally.lost.add(visitor.unanswered());
    }

    /** Sleeps until {@code nanoTime} (System.nanoTime); an interrupt breaks the run. */
    static void pauseUntil(long nanoTime) {
        long wait = nanoTime - System.nanoTime();
        if (wait > 0) {
            try {
                TimeUnit.NANOSECONDS.sleep(wait);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new RunBroken("interrupted");
            }
        }
    }

    @Override
    public void close() {
        transport.close();
    }

    /** What one client hears: its own messages' acks and copies, and everyone's messages. */
    private final class Visitor implements Member.Events {

        private final String prefix;
        private final Tally tally;
        private final Set<Integer> unacked = ConcurrentHashMap.newKeySet();
        private final Set<Integer> notBack = ConcurrentHashMap.newKeySet();
        /** Counts down once per ack and once per own message back. */
        private final CountDownLatch answers = new CountDownLatch(2 * messages);

        Visitor(String name, Tally tally) {
            this.prefix = name + SEPARATOR;
            this.tally = tally;
            for (int seq = 1; seq <= messages; seq++) {
                unacked.add(seq);
                notBack.add(seq);
            }
        }

        /** {@code name:seq:} padded to the run's message size. */
        String text(int seq) {
            StringBuilder text = new StringBuilder(Math.max(size, prefix.length() + 12)).append(prefix).append(seq)
                    .append(SEPARATOR);
            while (text.length() < size) {
                text.append(PADDING);
            }
            return text.toString();
        }

        void awaitAnswers() {
            try {
                answers.await(ANSWER_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new RunBroken("interrupted");
            }
        }

        /** Messages sent that were not acknowledged, or did not come back, or both. */
        long unanswered() {
            Set<Integer> missing = new HashSet<>(unacked);
            missing.addAll(notBack);
            return missing.size();
        }

        @Override
        public void onMessage(String text) {
            tally.delivered.increment();
            answered(notBack, text);
        }

        @Override
        public void onAck(String text) {
            tally.acked.increment();
            answered(unacked, text);
        }

        private void answered(Set<Integer> waiting, String text) {
            if (!text.startsWith(prefix)) {
                return;
            }
            int end = text.indexOf(SEPARATOR, prefix.length());
            if (end > 0 && waiting.remove(Integer.parseInt(text, prefix.length(), end, 10))) {
                answers.countDown();
            }
        }

        @Override
        public void onDuplicate() {
            tally.duplicated.increment();
        }

        @Override
        public void onRejoined(long nanos) {
            tally.reconnects.increment();
        }

        @Override
        public void onError(String what) {
            tally.errors.add(what);
        }
    }

    /** One phase's counters, written by the places and by the I/O threads at once. */
    private static final class Tally {
        final LongAdder connected = new LongAdder();
        final LongAdder disconnected = new LongAdder();
        final LongAdder failedJoins = new LongAdder();
        final LongAdder sent = new LongAdder();
        final LongAdder acked = new LongAdder();
        final LongAdder delivered = new LongAdder();
        final LongAdder lost = new LongAdder();
        final LongAdder duplicated = new LongAdder();
        final LongAdder reconnects = new LongAdder();
        final ErrorCounts errors = new ErrorCounts();

        ChurnCounts counts(double seconds) {
            return new ChurnCounts(seconds, connected.sum(), disconnected.sum(), failedJoins.sum(), sent.sum(),
                    acked.sum(), delivered.sum(), lost.sum(), duplicated.sum(), reconnects.sum(), errors.sorted());
        }
    }
}
