package io.switchboard.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.offset;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.switchboard.support.ManualScheduler;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A move's pace, on the scheduler's clock and through a hand-written {@link Move.Pool}: the moves
 * of a window are spread evenly over it, a rate is kept whatever the window, a limit is kept, and
 * a move of every connection takes late arrivals too and is done only once the last one closed.
 * Checked tick by tick (every 50 ms of the test's clock), never timed.
 */
class MoveTests {

    private static final Duration TICK = Duration.ofMillis(50);

    private final ManualScheduler scheduler = new ManualScheduler();
    private final FakePool pool = new FakePool();
    private final Counter counter = new SimpleMeterRegistry().counter("moved");

    private Move start(MovePlan plan) {
        Move move = new Move(pool, plan, counter, scheduler, scheduler::nanoTime);
        move.start();
        return move;
    }

    private double seconds() {
        return scheduler.nanoTime() / 1e9;
    }

    @Test
    void spreadsTheMovesOfAWindowEvenlyOverIt() {
        pool.open(40);
        Move move = start(new MovePlan("drain", MovePlan.ALL, Duration.ofSeconds(2), 0, Duration.ofSeconds(1)));

        scheduler.runDue();
        while (seconds() < 2 - 1e-9) {
            double due = 40 / 2.0 * seconds(); // 20 a second
            assertThat((double) move.moved()).as("moved by %.2f s", seconds()).isCloseTo(due, offset(1.0));
            assertThat(move.done()).as("done at %.2f s", seconds()).isNotDone();
            scheduler.advance(TICK);
        }

        assertThat(move.moved()).isEqualTo(40);
        assertThat(move.done()).isCompleted();
        assertThat(pool.toldAt).hasSize(40);
        for (int k = 1; k <= 40; k++) { // the k-th told no earlier than its share of the window, and within a tick of it
            assertThat(pool.toldAt.get(k - 1)).as("connection %d", k)
                    .isBetween(Duration.ofMillis((k - 1) * 50L), Duration.ofMillis(k * 50L).plus(TICK));
        }
        assertThat(counter.count()).isEqualTo(40);
        assertThat(scheduler.pending()).as("ticks stop once done").isZero();
    }

    @Test
    void keepsItsRateWhateverTheWindow() {
        pool.open(100);
        Move move = start(new MovePlan("drain", MovePlan.ALL, Duration.ofSeconds(1), 10, Duration.ZERO));

        scheduler.runDue();
        for (int second = 1; second <= 9; second++) {
            scheduler.advance(Duration.ofSeconds(1));
            assertThat(move.moved()).as("after %d s at 10/s", second).isBetween(10 * second, 10 * second + 1);
        }
        assertThat(move.done()).isNotDone();

        scheduler.advance(Duration.ofSeconds(1));
        assertThat(move.moved()).isEqualTo(100);
        assertThat(move.done()).isCompleted();
    }

    @Test
    void movesNoMoreThanItsLimit() {
        pool.open(20);
        Move move = start(new MovePlan("rebalance", 5, Duration.ofSeconds(1), 0, Duration.ZERO));

        scheduler.advance(Duration.ofMillis(500));
        assertThat(move.moved()).isBetween(2, 3);
        scheduler.advance(Duration.ofMillis(500));
        assertThat(move.moved()).isEqualTo(5);
        assertThat(move.done()).isCompleted();

        scheduler.advance(Duration.ofSeconds(5));
        assertThat(pool.toldAt).hasSize(5);
        assertThat(pool.count()).isEqualTo(15);
    }

    @Test
    void aMoveOfEveryConnectionTakesThoseThatOpenMeanwhile() {
        pool.open(10);
        Move move = start(new MovePlan("drain", MovePlan.ALL, Duration.ofSeconds(2), 0, Duration.ZERO));

        scheduler.advance(Duration.ofSeconds(1));
        pool.open(4);
        scheduler.advance(Duration.ofMillis(500));
        assertThat(move.moved()).as("still at the pace of the 10 it started with").isBetween(7, 8);
        assertThat(move.done()).isNotDone();

        scheduler.advance(Duration.ofMillis(500)); // the pace has run out: whatever is left goes
        assertThat(move.moved()).isEqualTo(14);
        assertThat(pool.count()).isZero();
        assertThat(move.done()).isCompleted();
    }

    @Test
    void aMoveOfEveryConnectionIsDoneOnlyOnceTheLastMovedOneClosed() {
        pool.open(10);
        pool.holdCloses = true;
        Move move = start(new MovePlan("drain", MovePlan.ALL, Duration.ofSeconds(1), 0, Duration.ZERO));

        scheduler.advance(Duration.ofSeconds(3));
        assertThat(move.moved()).isEqualTo(10);
        assertThat(move.done()).as("every connection told, none closed yet").isNotDone();

        pool.closeHeld();
        scheduler.advance(TICK);
        assertThat(move.done()).isCompleted();
    }

    @Test
    void aZeroWindowMovesEveryConnectionAtOnce() {
        pool.open(25);
        Move move = start(new MovePlan("shutdown", MovePlan.ALL, Duration.ZERO, 0, Duration.ZERO));

        scheduler.runDue();
        assertThat(move.moved()).isEqualTo(25);
        assertThat(move.done()).isCompleted();
    }

    @Test
    void cancellingStopsMovingAndLeavesTheRest() {
        pool.open(10);
        Move move = start(new MovePlan("drain", MovePlan.ALL, Duration.ofSeconds(1), 0, Duration.ZERO));
        scheduler.advance(Duration.ofMillis(500));
        int moved = move.moved();

        move.cancel();
        scheduler.advance(Duration.ofSeconds(5));
        assertThat(move.moved()).isEqualTo(moved).isBetween(5, 6);
        assertThat(pool.count()).isEqualTo(10 - moved);
        assertThat(move.done()).isCancelled();
        assertThat(scheduler.pending()).isZero();
    }

    @Test
    void tellsEachConnectionOnceWithThePlansReasonAndJitter() {
        pool.open(10);
        for (Connection connection : pool.open.subList(0, 3)) {
            connection.markMoving(); // told by an earlier move, still closing
        }
        pool.holdCloses = true;
        Move move = start(new MovePlan("rebalance", 5, Duration.ZERO, 0, Duration.ofMillis(1500)));

        scheduler.runDue();
        assertThat(move.moved()).isEqualTo(5);
        assertThat(pool.told).hasSize(5).allMatch(told -> told.equals("rebalance/1500"));
        assertThat(move.done()).isCompleted();
    }

    @Test
    void aLimitedMoveEndsWhenNoConnectionIsLeftToTell() {
        pool.open(7);
        pool.open.getFirst().markMoving();
        pool.holdCloses = true;
        Move move = start(new MovePlan("rebalance", 10, Duration.ZERO, 0, Duration.ZERO));

        scheduler.runDue();
        assertThat(move.moved()).isEqualTo(6);
        assertThat(move.done()).isCompleted();
    }

    /**
     * The connections, by hand: a connection told to move is recorded (reason, jitter, when) and
     * closes at once, or when the test says with {@link #holdCloses}. A move touches nothing of a
     * connection but its moving mark, so the connections have no socket, outbox or budgets.
     */
    private final class FakePool implements Move.Pool {
        final List<Connection> open = new ArrayList<>();
        final List<Connection> closing = new ArrayList<>();
        final List<String> told = new ArrayList<>();
        final List<Duration> toldAt = new ArrayList<>();
        boolean holdCloses;
        private int opened;

        void open(int connections) {
            for (int i = 0; i < connections; i++) {
                open.add(new Connection("c" + opened++, "127.0.0.1", null, null, null, null, null, null));
            }
        }

        void closeHeld() {
            open.removeAll(closing);
            closing.clear();
        }

        @Override
        public int count() {
            return open.size();
        }

        @Override
        public Iterable<Connection> all() {
            return List.copyOf(open);
        }

        @Override
        public boolean moveAway(Connection connection, String reason, long jitterMs) {
            if (!connection.markMoving()) {
                return false;
            }
            told.add(reason + "/" + jitterMs);
            toldAt.add(Duration.ofNanos(scheduler.nanoTime()));
            if (holdCloses) {
                closing.add(connection);
            } else {
                open.remove(connection);
            }
            return true;
        }
    }
}
