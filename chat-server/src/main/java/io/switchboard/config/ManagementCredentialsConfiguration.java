package io.switchboard.config;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import org.springframework.boot.actuate.autoconfigure.web.ManagementContextConfiguration;
import org.springframework.boot.actuate.autoconfigure.web.ManagementContextType;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Credentials for the management port's write operations ({@code POST} and {@code DELETE}: drain,
 * rebalance), when {@code switchboard.management.password} is set: HTTP Basic with {@code
 * switchboard.management.username}. Reads ({@code GET}: health, metrics, the cluster view) stay open
 * for probes and scrapers, except the console's ({@code /console}, {@code /actuator/console}), which
 * shows and steers the whole cluster. One header compare, written here rather than with Spring Security's web
 * filter chain, which would also stand in front of the chat port and the page and need opening again
 * there.
 */
@ManagementContextConfiguration(value = ManagementContextType.CHILD, proxyBeanMethods = false)
class ManagementCredentialsConfiguration {

    @Bean
    FilterRegistrationBean<OncePerRequestFilter> managementCredentials(SwitchboardProperties properties) {
        SwitchboardProperties.Management management = properties.management();
        FilterRegistrationBean<OncePerRequestFilter> registration = new FilterRegistrationBean<>(
                new CredentialsFilter(management.username(), management.password()));
        registration.setEnabled(!management.password().isEmpty());
        registration.setOrder(org.springframework.core.Ordered.HIGHEST_PRECEDENCE);
        return registration;
    }

    private static final class CredentialsFilter extends OncePerRequestFilter {

        private final byte[] expected;

        CredentialsFilter(String username, String password) {
            this.expected = ("Basic " + Base64.getEncoder().encodeToString(
                    (username + ":" + password).getBytes(StandardCharsets.UTF_8))).getBytes(StandardCharsets.UTF_8);
        }

        @Override
        protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
                throws ServletException, IOException {
            String method = request.getMethod();
            String path = request.getRequestURI();
            // the console shows the whole cluster and acts on it: its reads need the password too
            boolean console = path.equals("/console") || path.startsWith("/console/") || path.startsWith("/actuator/console");
            if (!console && ("GET".equals(method) || "HEAD".equals(method) || "OPTIONS".equals(method))) {
                chain.doFilter(request, response);
                return;
            }
            String given = request.getHeader("Authorization");
            // compared in constant time: how much of it matched shows in no timing
            if (given != null && MessageDigest.isEqual(expected, given.getBytes(StandardCharsets.UTF_8))) {
                chain.doFilter(request, response);
                return;
            }
            response.setHeader("WWW-Authenticate", "Basic realm=\"switchboard management\"");
            response.sendError(HttpServletResponse.SC_UNAUTHORIZED, "credentials required (switchboard.management.*)");
        }
    }
}
