package io.switchboard.bench.soak;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.bench.support.Parsed;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code soak}'s times (--duration, --warmup, --settle, --send-every), parsed as main parses them. */
class SoakCommandTests {

    private static final List<String> COMMAND = List.of("soak", "--url", "ws://127.0.0.1:18081/ws",
            "--management", "http://127.0.0.1:18181");

    @Test
    void defaultsToTenMinutesMeasuredAfterOneOfWarmUp() {
        SoakCommand soak = parse();

        assertThat(soak.duration).isEqualTo(Duration.ofMinutes(10));
        assertThat(soak.warmup).isEqualTo(Duration.ofMinutes(1));
        assertThat(soak.settle).isEqualTo(Duration.ofSeconds(5));
        assertThat(soak.sendEvery).isEqualTo(Duration.ofSeconds(1));
    }

    @Test
    void takesEachTimeWithAUnit() {
        SoakCommand soak = parse("--duration", "PT1H", "--warmup", "90s", "--settle", "500ms", "--send-every", "0.2s");

        assertThat(soak.duration).isEqualTo(Duration.ofHours(1));
        assertThat(soak.warmup).isEqualTo(Duration.ofSeconds(90));
        assertThat(soak.settle).isEqualTo(Duration.ofMillis(500));
        assertThat(soak.sendEvery).isEqualTo(Duration.ofMillis(200));
    }

    @Test
    void readsABareNumberAsSeconds() {
        SoakCommand soak = parse("--duration", "180", "--warmup", "60", "--settle", "5", "--send-every", "1");

        assertThat(soak.duration).isEqualTo(Duration.ofMinutes(3));
        assertThat(soak.warmup).isEqualTo(Duration.ofMinutes(1));
        assertThat(soak.settle).isEqualTo(Duration.ofSeconds(5));
        assertThat(soak.sendEvery).isEqualTo(Duration.ofSeconds(1));
    }

    private static SoakCommand parse(String... times) {
        return Parsed.command(SoakCommand.class, COMMAND, times);
    }
}
