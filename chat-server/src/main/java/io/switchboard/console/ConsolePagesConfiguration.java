package io.switchboard.console;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.InputStream;
import java.util.Map;
import org.springframework.boot.actuate.autoconfigure.web.ManagementContextConfiguration;
import org.springframework.boot.actuate.autoconfigure.web.ManagementContextType;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.core.Ordered;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * The console's page on the management port only ({@code /console}; never the chat port): its
 * HTML, script and style, and uPlot from its webjar, served from the classpath as they are. The
 * management credentials filter runs first, so the page needs the password as {@code
 * /actuator/console} does.
 */
@ManagementContextConfiguration(value = ManagementContextType.CHILD, proxyBeanMethods = false)
class ConsolePagesConfiguration {

    private static final String UPLOT = "/META-INF/resources/webjars/uplot/1.6.30/dist/";
    /** Path → classpath resource and content type: nothing else is served. */
    private static final Map<String, String[]> FILES = Map.of(
            "/console", new String[] {"/io/switchboard/console/console.html", "text/html;charset=utf-8"},
            "/console/", new String[] {"/io/switchboard/console/console.html", "text/html;charset=utf-8"},
            "/console/console.js", new String[] {"/io/switchboard/console/console.js", "text/javascript;charset=utf-8"},
            "/console/console.css", new String[] {"/io/switchboard/console/console.css", "text/css;charset=utf-8"},
            "/console/uPlot.iife.min.js", new String[] {UPLOT + "uPlot.iife.min.js", "text/javascript;charset=utf-8"},
            "/console/uPlot.min.css", new String[] {UPLOT + "uPlot.min.css", "text/css;charset=utf-8"});

    @Bean
    FilterRegistrationBean<OncePerRequestFilter> consolePages() {
        FilterRegistrationBean<OncePerRequestFilter> registration = new FilterRegistrationBean<>(new OncePerRequestFilter() {
            @Override
            protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
                    throws ServletException, IOException {
                String[] file = FILES.get(request.getRequestURI());
                if (file == null || !("GET".equals(request.getMethod()) || "HEAD".equals(request.getMethod()))) {
                    chain.doFilter(request, response);
                    return;
                }
                try (InputStream in = ConsolePagesConfiguration.class.getResourceAsStream(file[0])) {
                    if (in == null) {
                        response.sendError(HttpServletResponse.SC_NOT_FOUND);
                        return;
                    }
                    response.setContentType(file[1]);
                    response.setHeader("Cache-Control", "no-cache");
                    response.setHeader("X-Content-Type-Options", "nosniff");
                    response.setHeader("Content-Security-Policy", "default-src 'self'; style-src 'self' 'unsafe-inline'");
                    in.transferTo(response.getOutputStream());
                }
            }
        });
        registration.addUrlPatterns("/console", "/console/*");
        registration.setOrder(Ordered.LOWEST_PRECEDENCE);
        return registration;
    }
}
