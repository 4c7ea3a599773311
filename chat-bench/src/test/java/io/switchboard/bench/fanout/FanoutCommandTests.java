package io.switchboard.bench.fanout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.switchboard.bench.support.Parsed;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine.ParameterException;

/** {@code fanout}'s times (its own --duration and the load's --warmup and --drain-wait), parsed as main parses them. */
class FanoutCommandTests {

    private static final List<String> COMMAND = List.of("fanout", "--url", "ws://127.0.0.1:18081/ws", "--rate", "100");

    @Test
    void defaultsToTenSecondsMeasuredAfterTwoOfWarmUpAndFiveOfDrainWait() {
        FanoutCommand fanout = parse();

        assertThat(fanout.duration).isEqualTo(Duration.ofSeconds(10));
        assertThat(scenario(fanout).warmup()).isEqualTo(Duration.ofSeconds(2));
        assertThat(scenario(fanout).drainWait()).isEqualTo(Duration.ofSeconds(5));
    }

    @Test
    void takesEachTimeWithAUnit() {
        FanoutCommand fanout = parse("--duration", "2m", "--warmup", "500ms", "--drain-wait", "PT3S");

        assertThat(fanout.duration).isEqualTo(Duration.ofMinutes(2));
        assertThat(scenario(fanout).warmup()).isEqualTo(Duration.ofMillis(500));
        assertThat(scenario(fanout).drainWait()).isEqualTo(Duration.ofSeconds(3));
    }

    @Test
    void readsABareNumberAsSecondsAsItAlwaysDid() {
        FanoutCommand fanout = parse("--duration", "30", "--warmup", "0.5", "--drain-wait", "3");

        assertThat(fanout.duration).isEqualTo(Duration.ofSeconds(30));
        assertThat(scenario(fanout).warmup()).isEqualTo(Duration.ofMillis(500));
        assertThat(scenario(fanout).drainWait()).isEqualTo(Duration.ofSeconds(3));
    }

    @Test
    void refusesATimeItCannotReadNamingTheOption() {
        assertThatThrownBy(() -> parse("--duration", "10 minutes")).isInstanceOf(ParameterException.class)
                .hasMessageContaining("'--duration'").hasMessageContaining("'10 minutes' is not a duration");
    }

    private static FanoutCommand parse(String... times) {
        return Parsed.command(FanoutCommand.class, COMMAND, times);
    }

    private static Scenario scenario(FanoutCommand fanout) {
        return fanout.load.scenario(fanout.target.system(), fanout.target.endpoints(), 1);
    }
}
