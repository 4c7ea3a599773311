package io.switchboard.bench.fanout;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * How every chat-bench option that takes a time reads it, so that a time means the same in every
 * command: a number with a unit as the node's settings write it ({@code 500ms}, {@code 30s},
 * {@code 1.5s}, {@code 10m}, {@code 1h}), or ISO-8601 ({@code PT30S}, {@code PT1M30S}).
 *
 * <p>A bare number is seconds: most of these options took bare seconds before they took units, so
 * the commands written for them (docs/benchmarks.md's among them) keep their meaning. The two that
 * took bare milliseconds ({@code --p99-bound}, {@code --sample-every}) follow the same rule now, and
 * their descriptions say to write {@code ms}. A negative time is refused.
 */
public final class DurationConverter implements ITypeConverter<Duration> {

    /** The accepted forms, for option descriptions: {@code "(" + FORMS + "; default: ...)"}. */
    public static final String FORMS = "500ms, 30s, 10m, 1h or PT30S; a bare number is seconds";

    private static final Pattern WITH_UNIT = Pattern.compile("(\\d+(?:\\.\\d+)?)(ms|s|m|h)?");

    @Override
    public Duration convert(String value) {
        String text = value.strip();
        Duration duration = text.startsWith("P") || text.startsWith("p") ? iso(value, text) : withUnit(value, text);
        if (duration.isNegative()) {
            throw new TypeConversionException("'" + value + "' is negative");
        }
        return duration;
    }

    private static Duration withUnit(String value, String text) {
        Matcher matcher = WITH_UNIT.matcher(text);
        if (!matcher.matches()) {
            throw notADuration(value);
        }
        long nanosPerUnit = switch (matcher.group(2) == null ? "s" : matcher.group(2)) {
            case "ms" -> Duration.ofMillis(1).toNanos();
            case "m" -> Duration.ofMinutes(1).toNanos();
            case "h" -> Duration.ofHours(1).toNanos();
            default -> Duration.ofSeconds(1).toNanos();
        };
        try {
            return Duration.ofNanos(new BigDecimal(matcher.group(1)).multiply(BigDecimal.valueOf(nanosPerUnit))
                    .setScale(0, RoundingMode.HALF_UP).longValueExact());
        } catch (ArithmeticException tooLong) {
            throw new TypeConversionException("'" + value + "' is too long");
        }
    }

    private static Duration iso(String value, String text) {
        try {
            return Duration.parse(text);
        } catch (DateTimeParseException | ArithmeticException e) {
            throw notADuration(value);
        }
    }

    private static TypeConversionException notADuration(String value) {
        return new TypeConversionException("'" + value + "' is not a duration (" + FORMS + ")");
    }
}
