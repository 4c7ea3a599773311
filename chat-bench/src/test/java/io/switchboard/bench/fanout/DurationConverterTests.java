package io.switchboard.bench.fanout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine.TypeConversionException;

/** The one form every chat-bench time option reads. */
class DurationConverterTests {

    private final DurationConverter converter = new DurationConverter();

    @ParameterizedTest
    @CsvSource({"500ms, 500", "30s, 30000", "1.5s, 1500", "10m, 600000", "1h, 3600000", "0.25ms, 0.25",
            "0s, 0", "' 2m ', 120000"})
    void readsANumberWithAUnit(String value, double millis) {
        assertThat(converter.convert(value)).isEqualTo(Duration.ofNanos(Math.round(millis * 1e6)));
    }

    @ParameterizedTest
    @CsvSource({"10, 10000", "0.5, 500", "0, 0", "90, 90000"})
    void readsABareNumberAsSeconds(String value, long millis) {
        assertThat(converter.convert(value)).isEqualTo(Duration.ofMillis(millis));
    }

    @ParameterizedTest
    @CsvSource({"PT30S, 30000", "PT1M30S, 90000", "pt0.5s, 500", "PT2H, 7200000"})
    void readsIso8601(String value, long millis) {
        assertThat(converter.convert(value)).isEqualTo(Duration.ofMillis(millis));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "s", "10x", "10 s", "10S", "10M", ".5s", "1.s", "1e3", "ten", "P1Y", "PT"})
    void refusesWhatIsNotADurationAndSaysWhatIs(String value) {
        assertThatThrownBy(() -> converter.convert(value)).isInstanceOf(TypeConversionException.class)
                .hasMessage("'" + value + "' is not a duration (500ms, 30s, 10m, 1h or PT30S; a bare number is seconds)");
    }

    @ParameterizedTest
    @ValueSource(strings = {"-5s", "-5", "PT-5S", "-PT5S"})
    void refusesANegativeTime(String value) {
        assertThatThrownBy(() -> converter.convert(value)).isInstanceOf(TypeConversionException.class);
    }

    @ParameterizedTest
    @ValueSource(strings = {"3000000h", "99999999999999999999s"})
    void refusesATimeTooLongToHold(String value) {
        assertThatThrownBy(() -> converter.convert(value)).isInstanceOf(TypeConversionException.class)
                .hasMessage("'" + value + "' is too long");
    }
}
