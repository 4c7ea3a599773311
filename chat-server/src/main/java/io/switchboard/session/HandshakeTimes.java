package io.switchboard.session;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.springframework.http.HttpStatus;

/**
 * Times {@code /ws} requests in Boot's {@code http.server.requests}, with the tags Spring's
 * observation filter gives every other request ({@code uri="/ws"}, {@code status="101"} when
 * upgraded, else the refusal's).
 *
 * <p>Written by hand because that filter is kept off {@code /ws}
 * ({@link WebSocketConfiguration#observeSpringMvcRequestsOnly()}): an observation per handshake, its
 * context, scope and key values, took 2.4% of a node's CPU in a reconnect storm, where one
 * {@link Timer#record} of a timer looked up by status is a small part of that (docs/benchmarks.md,
 * "Nothing in front of a handshake").
 */
final class HandshakeTimes {

    /** The request attribute that carries a request's start across an async dispatch (the address count). */
    private static final String STARTED = HandshakeTimes.class.getName() + ".started";

    private final MeterRegistry meters;
    private final Map<String, Timer> timers = new ConcurrentHashMap<>();

    HandshakeTimes(MeterRegistry meters) {
        this.meters = meters;
    }

    /** When the request's first dispatch began, or now if this is it. */
    long started(HttpServletRequest request) {
        return request.getAttribute(STARTED) instanceof Long started ? started : System.nanoTime();
    }

    /** Records the request, unless it went async: then its start waits on it for its last dispatch. */
    void finished(HttpServletRequest request, HttpServletResponse response, long started, Throwable error) {
        if (request.isAsyncStarted()) {
            request.setAttribute(STARTED, started);
            return;
        }
        int status = error == null ? response.getStatus() : HttpServletResponse.SC_INTERNAL_SERVER_ERROR;
        String exception = error == null ? "none" : error.getClass().getSimpleName();
        String method = request.getMethod();
        timers.computeIfAbsent(method + ' ' + status + ' ' + exception, key -> Timer.builder("http.server.requests")
                        .tag("uri", ChatServlet.PATH).tag("method", method).tag("status", Integer.toString(status))
                        .tag("outcome", outcome(status)).tag("exception", exception).tag("error", exception)
                        .register(meters))
                .record(System.nanoTime() - started, TimeUnit.NANOSECONDS);
    }

    /** Spring's {@code outcome} tag: the status's class. */
    private static String outcome(int status) {
        HttpStatus.Series series = HttpStatus.Series.resolve(status);
        return series == null ? "UNKNOWN" : series.name();
    }
}
