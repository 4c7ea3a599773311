package io.switchboard.api;

import io.switchboard.config.SwitchboardProperties;
import io.switchboard.session.KeyedRates;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The server API on the chat port under {@code /api/} (never the management port: its controller lives
 * in this context, which the management port's does not search), behind its keys ({@link ApiKeys}).
 */
@Configuration(proxyBeanMethods = false)
class ApiConfiguration {

    @Bean
    FilterRegistrationBean<ApiKeys> apiKeys(SwitchboardProperties properties) {
        var api = properties.api();
        var registration = new FilterRegistrationBean<>(
                new ApiKeys(api.keys(), new KeyedRates(api.requestsPerSecond(), api.burst())));
        registration.addUrlPatterns("/api/*");
        return registration;
    }
}
