package io.switchboard.bench.drain;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.bench.fanout.Scenario;
import io.switchboard.bench.support.Parsed;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code drain}'s times (--settle, --sample-every, the load's --warmup and --drain-wait), parsed as main parses them. */
class DrainCommandTests {

    private static final List<String> COMMAND = List.of("drain", "--url", "ws://127.0.0.1:8080/ws",
            "--management", "http://127.0.0.1:18181", "--deliveries", "1000");

    @Test
    void defaultsToFiveSecondsOfSettleAndASampleEveryHalfSecond() {
        DrainCommand drain = parse();

        assertThat(drain.settle).isEqualTo(Duration.ofSeconds(5));
        assertThat(drain.sampleEvery).isEqualTo(Duration.ofMillis(500));
        assertThat(scenario(drain).warmup()).isEqualTo(Duration.ofSeconds(2));
        assertThat(scenario(drain).drainWait()).isEqualTo(Duration.ofSeconds(5));
    }

    @Test
    void takesEachTimeWithAUnit() {
        DrainCommand drain = parse("--settle", "1m", "--sample-every", "250ms", "--warmup", "PT5S", "--drain-wait", "8s");

        assertThat(drain.settle).isEqualTo(Duration.ofMinutes(1));
        assertThat(drain.sampleEvery).isEqualTo(Duration.ofMillis(250));
        assertThat(scenario(drain).warmup()).isEqualTo(Duration.ofSeconds(5));
        assertThat(scenario(drain).drainWait()).isEqualTo(Duration.ofSeconds(8));
    }

    @Test
    void readsABareNumberAsSecondsEvenForTheSamplePeriod() {
        DrainCommand drain = parse("--settle", "5", "--sample-every", "2", "--warmup", "5");

        assertThat(drain.settle).isEqualTo(Duration.ofSeconds(5));
        assertThat(drain.sampleEvery).isEqualTo(Duration.ofSeconds(2));
        assertThat(scenario(drain).warmup()).isEqualTo(Duration.ofSeconds(5));
    }

    private static DrainCommand parse(String... times) {
        return Parsed.command(DrainCommand.class, COMMAND, times);
    }

    private static Scenario scenario(DrainCommand drain) {
        return drain.load.scenario(drain.target.system(), drain.target.endpoints(), 1);
    }
}
