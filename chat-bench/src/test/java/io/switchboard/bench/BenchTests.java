package io.switchboard.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.bench.fanout.DurationConverter;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

/** The command line as a whole: what holds for every command's options. */
class BenchTests {

    @Test
    void everyOptionThatTakesATimeReadsItTheSameWayAndSaysSo() {
        List<Map.Entry<String, OptionSpec>> times = options().filter(entry -> entry.getValue().type() == Duration.class)
                .toList();

        assertThat(times).extracting(entry -> entry.getValue().longestName()).containsOnly("--duration", "--warmup",
                "--drain-wait", "--step-duration", "--p99-bound", "--settle", "--sample-every", "--send-every", "--join-timeout", "--floor-duration");
        for (Map.Entry<String, OptionSpec> time : times) {
            OptionSpec option = time.getValue();
            String where = time.getKey() + " " + option.longestName();
            assertThat(option.converters()).as(where).hasSize(1).hasOnlyElementsOfType(DurationConverter.class);
            assertThat(option.paramLabel()).as(where).isEqualTo("TIME");
            assertThat(String.join(" ", option.description())).as(where).contains(DurationConverter.FORMS);
        }
    }

    @Test
    void noOptionTakesATimeAsABareNumberInAUnitOfItsOwn() {
        assertThat(options().map(entry -> entry.getKey() + " " + entry.getValue().longestName()
                + " " + entry.getValue().paramLabel()))
                .noneMatch(option -> option.matches(".*\\b(SECONDS|MS|MILLIS|MINUTES)\\b.*"));
    }

    /** Every option of every command, with the command's name. */
    private static Stream<Map.Entry<String, OptionSpec>> options() {
        return Bench.commandLine().getSubcommands().values().stream().map(CommandLine::getCommandSpec)
                .flatMap(command -> command.options().stream().map(option -> Map.entry(command.name(), option)));
    }
}
