package io.switchboard.bench.compare;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.bench.client.ChatSystem;
import io.switchboard.bench.client.Endpoints;
import io.switchboard.bench.fanout.Scenario;
import io.switchboard.bench.support.Parsed;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code compare}'s times (the sweep's and the load's, the same for both systems), parsed as main parses them. */
class CompareCommandTests {

    private static final List<String> COMMAND = List.of("compare", "--switchboard-url", "ws://127.0.0.1:18081/ws",
            "--socketio-url", "ws://127.0.0.1:3001");

    @Test
    void defaultsToTheSweepsAndTheLoadsDefaults() {
        CompareCommand compare = parse();

        assertThat(compare.sweep.stepDuration()).isEqualTo(Duration.ofSeconds(10));
        assertThat(compare.sweep.p99BoundMs()).isEqualTo(50);
        assertThat(scenario(compare).warmup()).isEqualTo(Duration.ofSeconds(2));
        assertThat(scenario(compare).drainWait()).isEqualTo(Duration.ofSeconds(5));
    }

    @Test
    void takesEachTimeWithAUnit() {
        CompareCommand compare = parse("--step-duration", "PT20S", "--p99-bound", "0.1s", "--warmup", "1m",
                "--drain-wait", "2500ms");

        assertThat(compare.sweep.stepDuration()).isEqualTo(Duration.ofSeconds(20));
        assertThat(compare.sweep.p99BoundMs()).isEqualTo(100);
        assertThat(scenario(compare).warmup()).isEqualTo(Duration.ofMinutes(1));
        assertThat(scenario(compare).drainWait()).isEqualTo(Duration.ofMillis(2500));
    }

    @Test
    void readsABareNumberAsSeconds() {
        CompareCommand compare = parse("--step-duration", "10", "--warmup", "5", "--drain-wait", "0");

        assertThat(compare.sweep.stepDuration()).isEqualTo(Duration.ofSeconds(10));
        assertThat(scenario(compare).warmup()).isEqualTo(Duration.ofSeconds(5));
        assertThat(scenario(compare).drainWait()).isEqualTo(Duration.ZERO);
    }

    private static CompareCommand parse(String... times) {
        return Parsed.command(CompareCommand.class, COMMAND, times);
    }

    private static Scenario scenario(CompareCommand compare) {
        return compare.load.scenario(ChatSystem.SWITCHBOARD, new Endpoints(List.of(URI.create("ws://127.0.0.1:18081/ws"))), 1);
    }
}
