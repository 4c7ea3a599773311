package io.switchboard.bench.sweep;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.bench.fanout.Scenario;
import io.switchboard.bench.support.Parsed;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code sweep}'s times (--step-duration, --p99-bound, the load's --warmup and --drain-wait), parsed as main parses them. */
class SweepCommandTests {

    private static final List<String> COMMAND = List.of("sweep", "--url", "ws://127.0.0.1:18081/ws");

    @Test
    void defaultsToTenSecondStepsAFiftyMillisecondBoundAndTheLoadsDefaults() {
        SweepCommand sweep = parse();

        assertThat(sweep.sweep.stepDuration()).isEqualTo(Duration.ofSeconds(10));
        assertThat(sweep.sweep.p99BoundMs()).isEqualTo(50);
        assertThat(scenario(sweep).warmup()).isEqualTo(Duration.ofSeconds(2));
        assertThat(scenario(sweep).drainWait()).isEqualTo(Duration.ofSeconds(5));
    }

    @Test
    void takesEachTimeWithAUnit() {
        SweepCommand sweep = parse("--step-duration", "1m", "--p99-bound", "12.5ms", "--warmup", "5s",
                "--drain-wait", "PT10S");

        assertThat(sweep.sweep.stepDuration()).isEqualTo(Duration.ofMinutes(1));
        assertThat(sweep.sweep.p99BoundMs()).isEqualTo(12.5);
        assertThat(scenario(sweep).warmup()).isEqualTo(Duration.ofSeconds(5));
        assertThat(scenario(sweep).drainWait()).isEqualTo(Duration.ofSeconds(10));
    }

    @Test
    void readsABareNumberAsSeconds() {
        SweepCommand sweep = parse("--step-duration", "1.5", "--p99-bound", "2", "--warmup", "5", "--drain-wait", "3");

        assertThat(sweep.sweep.stepDuration()).isEqualTo(Duration.ofMillis(1500));
        assertThat(sweep.sweep.p99BoundMs()).isEqualTo(2000);
        assertThat(scenario(sweep).warmup()).isEqualTo(Duration.ofSeconds(5));
        assertThat(scenario(sweep).drainWait()).isEqualTo(Duration.ofSeconds(3));
    }

    private static SweepCommand parse(String... times) {
        return Parsed.command(SweepCommand.class, COMMAND, times);
    }

    private static Scenario scenario(SweepCommand sweep) {
        return sweep.load.scenario(sweep.target.system(), sweep.target.endpoints(), 1);
    }
}
