package io.switchboard.drain;

import io.switchboard.cluster.NodeRegistry.DrainRefusal;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.actuate.endpoint.annotation.DeleteOperation;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.actuate.endpoint.annotation.WriteOperation;
import org.springframework.boot.actuate.endpoint.web.WebEndpointResponse;
import org.springframework.boot.convert.DurationStyle;

/**
 * {@code /actuator/drain}, on the management port only (modelled on Boot's {@code ShutdownEndpoint}).
 * <ul>
 *   <li>{@code POST} (optional JSON body {@code {"window":"30s"}} or {@code {"rate":200}}, and
 *       {@code "force":true}): starts draining this node and answers the drain's state; repeated
 *       while one runs, it answers the running drain. Refused with {@code 409} and the reason when
 *       another node is draining or no other node is ready, unless forced; with {@code 400} and
 *       what is expected when a value is not one of those.</li>
 *   <li>{@code GET}: the drain's state.</li>
 *   <li>{@code DELETE}: cancels it; the node takes traffic again (not a shutdown's drain).</li>
 * </ul>
 */
@Endpoint(id = "drain")
public class DrainEndpoint {

    private static final Pattern BARE_NUMBER = Pattern.compile("[+-]?[0-9]+");
    /** How much of a refused value the answer repeats. */
    private static final int MAX_ECHO = 40;

    private final DrainCoordinator drain;

    DrainEndpoint(DrainCoordinator drain) {
        this.drain = drain;
    }

    @ReadOperation
    public DrainStatus status() {
        return drain.status();
    }

    /**
     * The body's values arrive as text and are read here rather than by the endpoint's converters,
     * which refuse a value they cannot convert with a bare {@code 400} that says nothing of why.
     */
    @WriteOperation
    public WebEndpointResponse<Object> start(@Nullable String window, @Nullable String rate, @Nullable String force) {
        Duration pace;
        Double perSecond;
        boolean forced;
        try {
            pace = window == null ? null : window(window);
            perSecond = rate == null ? null : rate(rate);
            forced = force != null && force(force);
        } catch (IllegalArgumentException e) {
            return new WebEndpointResponse<>(new Refused(e.getMessage(), drain.status()),
                    WebEndpointResponse.STATUS_BAD_REQUEST);
        }
        Optional<DrainRefusal> refusal = drain.start(pace, perSecond, forced);
        if (refusal.isPresent()) {
            return new WebEndpointResponse<>(new Refused(refusal.get().reason(), drain.status()), 409);
        }
        return new WebEndpointResponse<>(drain.status(), WebEndpointResponse.STATUS_OK);
    }

    /** A positive duration with a unit, as in the node's settings ({@code 30s}) or ISO-8601 ({@code PT30S}). */
    private static Duration window(String text) {
        Duration window = null;
        // a bare number would be milliseconds: never what "window": 30 means
        if (!BARE_NUMBER.matcher(text.strip()).matches()) {
            try {
                window = DurationStyle.detectAndParse(text.strip());
            } catch (IllegalArgumentException e) {
                window = null;
            }
        }
        if (window == null || window.isNegative() || window.isZero()) {
            throw new IllegalArgumentException(
                    "window must be a positive duration with a unit, such as 30s or PT30S; got " + quoted(text));
        }
        return window;
    }

    private static double rate(String text) {
        double rate;
        try {
            rate = Double.parseDouble(text.strip());
        } catch (NumberFormatException e) {
            rate = Double.NaN;
        }
        if (!(rate > 0) || Double.isInfinite(rate)) {
            throw new IllegalArgumentException(
                    "rate must be a number of sessions per second above 0, such as 200; got " + quoted(text));
        }
        return rate;
    }

    private static boolean force(String text) {
        return switch (text.strip().toLowerCase(Locale.ROOT)) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new IllegalArgumentException("force must be true or false; got " + quoted(text));
        };
    }

    /** The value as the request gave it, cut short: enough to see what was wrong. */
    private static String quoted(String text) {
        return "\"" + (text.length() <= MAX_ECHO ? text : text.substring(0, MAX_ECHO) + "...") + "\"";
    }

    @DeleteOperation
    public DrainStatus cancel() {
        drain.cancel();
        return drain.status();
    }

    /**
     * The answer to a drain that may not start now.
     *
     * @param error why; {@code "force": true} overrides the cluster's rules
     * @param drain this node's drain state
     */
    public record Refused(String error, DrainStatus drain) {}
}
