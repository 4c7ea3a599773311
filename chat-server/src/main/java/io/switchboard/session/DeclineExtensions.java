package io.switchboard.session;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.Collections;
import java.util.Enumeration;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Hides a client's {@code Sec-WebSocket-Extensions} offer from the container, so no extension is
 * negotiated: browsers offer permessage-deflate on every handshake, and the servlet container
 * accepts it on its own (Spring's extension filtering does not reach it). With deflate the
 * container compresses each frame once per recipient, so a room's frame is no longer encoded once
 * for all its members, and it keeps a zlib window per connection; chat frames are short, so the
 * bytes saved pay for neither. {@code switchboard.permessage-deflate=true} leaves the offer alone.
 */
final class DeclineExtensions extends OncePerRequestFilter {

    static final String EXTENSIONS = "Sec-WebSocket-Extensions";

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        chain.doFilter(request.getHeader(EXTENSIONS) == null ? request : new WithoutExtensions(request), response);
    }

    private static final class WithoutExtensions extends HttpServletRequestWrapper {

        WithoutExtensions(HttpServletRequest request) {
            super(request);
        }

        @Override
        public String getHeader(String name) {
            return EXTENSIONS.equalsIgnoreCase(name) ? null : super.getHeader(name);
        }

        @Override
        public Enumeration<String> getHeaders(String name) {
            return EXTENSIONS.equalsIgnoreCase(name) ? Collections.emptyEnumeration() : super.getHeaders(name);
        }

        @Override
        public Enumeration<String> getHeaderNames() {
            return Collections.enumeration(Collections.list(super.getHeaderNames()).stream()
                    .filter(name -> !EXTENSIONS.equalsIgnoreCase(name)).toList());
        }
    }
}
