package io.switchboard.rebalance;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The {@link Rebalancer} guarantees, run over every implementation (docs/operations.md, "Rebalance
 * after a scale-out"): before any start, a status of none that says why; a start answers a status
 * with a reason an operator reads; the status answers the running rebalance, and once it ended the
 * last one; a start while one runs answers the running one instead of starting another.
 *
 * <p>What the implementations promise differently is stated by each, not assumed: {@link
 * #runsRebalances()} says whether a start runs one at all (a cluster's rebalancer does; the
 * in-memory broker's node is the whole cluster and answers that there is nothing to rebalance).
 * What only a cluster has (sheds, the tolerance, drains, the lock between nodes, the timeout, Redis
 * going away) is tested in {@code RedisRebalancerTests}.
 */
abstract class RebalancerContractTests {

    private static final String REASON = "requested by the contract";

    protected Rebalancer rebalancer;

    /** A fresh rebalancer of a cluster where no rebalance has run, and none ends before {@link #runToTheEnd()}. */
    protected abstract Rebalancer createRebalancer();

    /** Whether a start runs a rebalance, or answers that there is nothing to rebalance. */
    protected abstract boolean runsRebalances();

    /** Lets a started rebalance run until it ends. */
    protected abstract void runToTheEnd();

    @BeforeEach
    void setUpRebalancer() {
        rebalancer = createRebalancer();
    }

    @Test
    void showsNoneWithItsReasonBeforeAnyStart() {
        RebalanceStatus status = rebalancer.status();

        assertThat(status.state()).isEqualTo("none");
        assertThat(status.reason()).isNotBlank();
        assertThat(status.id()).isNull();
        assertThat(status.startedBy()).isNull();
        assertThat(status.startedAt()).isNull();
        assertThat(status.endedAt()).isNull();
        assertThat(status.rounds()).isZero();
        assertThat(status.before()).isEmpty();
        assertThat(status.after()).isEmpty();
        assertThat(status.shed()).isEmpty();
    }

    @Test
    void answersAStartWithTheRebalanceItStartedOrWhyNoneRuns() {
        RebalanceStatus started = rebalancer.start(REASON);

        if (runsRebalances()) {
            assertThat(started.state()).isEqualTo("running");
            assertThat(started.reason()).isEqualTo(REASON);
            assertThat(started.id()).isNotBlank();
            assertThat(started.startedBy()).isNotBlank();
            assertThat(started.startedAt()).isNotNull();
            assertThat(started.endedAt()).isNull();
            assertThat(started.rounds()).as("no over node told to shed yet").isZero();
        } else {
            assertThat(started.state()).isEqualTo("none");
            assertThat(started.reason()).as("why nothing runs").isNotBlank();
            assertThat(started.id()).isNull();
        }
    }

    @Test
    void showsTheRunningRebalance() {
        RebalanceStatus started = rebalancer.start(REASON);

        RebalanceStatus status = rebalancer.status();

        assertThat(status.id()).isEqualTo(started.id());
        assertThat(status.state()).isEqualTo(started.state());
        assertThat(status.reason()).isEqualTo(started.reason());
        assertThat(status.startedBy()).isEqualTo(started.startedBy());
        assertThat(status.startedAt()).isEqualTo(started.startedAt());
        assertThat(status.before()).isEqualTo(started.before());
    }

    @Test
    void answersAStartWhileOneRunsWithTheRunningOne() {
        RebalanceStatus first = rebalancer.start(REASON);

        RebalanceStatus second = rebalancer.start("asked again");

        assertThat(second.id()).isEqualTo(first.id());
        assertThat(second.state()).isEqualTo(first.state());
        assertThat(second.reason()).as("the running one's reason, not the new request's").isEqualTo(first.reason());
        assertThat(second.startedAt()).isEqualTo(first.startedAt());
        assertThat(rebalancer.status().id()).isEqualTo(first.id());
    }

    @Test
    void showsTheLastRebalanceOnceItEnded() {
        RebalanceStatus started = rebalancer.start(REASON);
        runToTheEnd();

        RebalanceStatus last = rebalancer.status();

        assertThat(last.id()).isEqualTo(started.id());
        if (runsRebalances()) {
            assertThat(last.state()).isIn("balanced", "stopped", "timed-out");
            assertThat(last.reason()).as("why it started, then why it ended").startsWith(REASON + "; ");
            assertThat(last.startedAt()).isEqualTo(started.startedAt());
            assertThat(last.endedAt()).isAfterOrEqualTo(last.startedAt());
        } else {
            assertThat(last).isEqualTo(started);
        }
    }
}
