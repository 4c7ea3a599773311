package io.switchboard.api;

import io.switchboard.session.KeyedRates;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * The server API's door: every request under {@code /api/} sends one of {@code switchboard.api.keys}
 * as {@code Authorization: Bearer <key>}, else 401; with no keys set the API is off (404). A key is
 * found by comparing digests in constant time, against every key each time, so neither a key nor
 * how much of one was right shows in the answer's timing. Each key draws on its own budget
 * ({@code requests-per-second}, {@code burst}; beyond it 429 with {@code Retry-After}). The API's
 * OpenAPI description ({@code GET /api/openapi.yaml}) needs no key. Every call made with a key is
 * logged (logger {@code io.switchboard.api.calls}) with the key's name, never the key; refusals for
 * want of a valid key only at debug, as anyone can send them.
 */
final class ApiKeys extends OncePerRequestFilter {

    /** The request attribute holding the name of the key a request came with. */
    static final String KEY_NAME = "io.switchboard.api.key";
    private static final Logger calls = LoggerFactory.getLogger("io.switchboard.api.calls");
    private static final String BEARER = "Bearer ";
    /** The API's OpenAPI description, served to anyone while the API is on. */
    static final String DESCRIPTION = "/api/openapi.yaml";

    /** Key name → SHA-256 of the key. */
    private final Map<String, byte[]> digests = new LinkedHashMap<>();
    private final KeyedRates rates;

    ApiKeys(Map<String, String> keys, KeyedRates rates) {
        keys.forEach((name, key) -> digests.put(name, sha256(key)));
        this.rates = rates;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        if (digests.isEmpty()) {
            Problems.write(request, response, HttpStatus.NOT_FOUND,
                    "the server API is off on this node: set switchboard.api.keys to turn it on");
            return;
        }
        if (DESCRIPTION.equals(request.getRequestURI()) && "GET".equals(request.getMethod())) {
            chain.doFilter(request, response); // the API's description is no secret
            return;
        }
        String header = request.getHeader(HttpHeaders.AUTHORIZATION);
        if (header == null || !header.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
            unauthorized(request, response, "send an API key as Authorization: Bearer <key>");
            return;
        }
        String name = named(header.substring(BEARER.length()).strip());
        if (name == null) {
            unauthorized(request, response, "this API key is not one of this node's switchboard.api.keys");
            return;
        }
        long wait = rates.waitFor(name);
        if (wait > 0) {
            response.setHeader(HttpHeaders.RETRY_AFTER, Long.toString(Math.max(1, (wait + 999) / 1000)));
            Problems.write(request, response, HttpStatus.TOO_MANY_REQUESTS,
                    "API key " + name + " made more than switchboard.api.requests-per-second allows; retry later");
            log(request, response, name);
            return;
        }
        request.setAttribute(KEY_NAME, name);
        chain.doFilter(request, response);
        if (request.isAsyncStarted()) { // the answer comes later: logged once it is written
            request.getAsyncContext().addListener(new Logged(request, response, name));
        } else {
            log(request, response, name);
        }
    }

    private void unauthorized(HttpServletRequest request, HttpServletResponse response, String detail)
            throws IOException {
        response.setHeader(HttpHeaders.WWW_AUTHENTICATE, "Bearer");
        Problems.write(request, response, HttpStatus.UNAUTHORIZED, detail);
        // at debug: anyone can send these, as fast as they like, and they are no one's calls
        calls.debug("{} {} without a valid key: {}", request.getMethod(), request.getRequestURI(), response.getStatus());
    }

    /** The name of the key, or null: every key is compared, whichever matches. */
    private String named(String presented) {
        byte[] digest = sha256(presented);
        String found = null;
        for (Map.Entry<String, byte[]> key : digests.entrySet()) {
            if (MessageDigest.isEqual(key.getValue(), digest)) {
                found = key.getKey();
            }
        }
        return found;
    }

    private static byte[] sha256(String key) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e); // every JDK has it
        }
    }

    private static void log(HttpServletRequest request, HttpServletResponse response, String key) {
        calls.info("{} {} by {}: {}", request.getMethod(), request.getRequestURI(), key, response.getStatus());
    }

    private record Logged(HttpServletRequest request, HttpServletResponse response, String key)
            implements AsyncListener {
        @Override
        public void onComplete(AsyncEvent event) {
            log(request, response, key);
        }

        @Override
        public void onTimeout(AsyncEvent event) {
        }

        @Override
        public void onError(AsyncEvent event) {
        }

        @Override
        public void onStartAsync(AsyncEvent event) {
        }
    }
}
