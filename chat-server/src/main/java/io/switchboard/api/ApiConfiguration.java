package io.switchboard.api;

import io.switchboard.config.SwitchboardProperties;
import io.switchboard.redis.RedisKeys;
import io.switchboard.room.Rooms;
import io.switchboard.session.Connections;
import io.switchboard.session.KeyedRates;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

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

    @Bean
    @ConditionalOnProperty(name = "switchboard.broker", havingValue = "memory", matchIfMissing = true)
    Moderation localModeration(Connections connections, Rooms rooms) {
        return new Moderation(connections, rooms, null, null);
    }

    @Bean
    @ConditionalOnProperty(name = "switchboard.broker", havingValue = "redis")
    Moderation clusterModeration(Connections connections, Rooms rooms, LettuceConnectionFactory connectionFactory,
                                 SwitchboardProperties properties) {
        return new Moderation(connections, rooms, connectionFactory.getRequiredNativeClient(),
                new RedisKeys(properties.redis().keyPrefix()).control());
    }
}
