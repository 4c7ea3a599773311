package io.switchboard.console;

import io.micrometer.core.instrument.MeterRegistry;
import io.switchboard.cluster.NodeRegistry;
import io.switchboard.config.SwitchboardProperties;
import io.switchboard.drain.DrainEndpoint;
import io.switchboard.rebalance.Rebalancer;
import io.switchboard.redis.RedisCommandConnection;
import io.switchboard.redis.RedisKeys;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

/** The operator console (docs/operations.md, "The console"): its samples, events and endpoint; the page is {@link ConsolePagesConfiguration}'s. */
@Configuration(proxyBeanMethods = false)
class ConsoleConfiguration {

    @Bean(destroyMethod = "")
    @ConditionalOnProperty(name = "switchboard.broker", havingValue = "memory", matchIfMissing = true)
    ConsoleStore inMemoryConsoleStore() {
        return new InMemoryConsoleStore();
    }

    /** Closed by the sampler when it stops, before Spring's Redis connection factory does. */
    @Bean(destroyMethod = "")
    @ConditionalOnProperty(name = "switchboard.broker", havingValue = "redis")
    ConsoleStore redisConsoleStore(LettuceConnectionFactory connectionFactory, SwitchboardProperties properties) {
        return new RedisConsoleStore(RedisCommandConnection.open(connectionFactory.getRequiredNativeClient()),
                new RedisKeys(properties.redis().keyPrefix()));
    }

    @Bean
    ConsoleSampler consoleSampler(ConsoleStore store, NodeRegistry registry, DrainEndpoint drain, Rebalancer rebalancer,
                                  MeterRegistry meters) {
        return new ConsoleSampler(store, registry, drain, rebalancer, meters);
    }

    @Bean
    ConsoleEndpoint consoleEndpoint(NodeRegistry registry, ConsoleStore store, DrainEndpoint drain,
                                    Rebalancer rebalancer, SwitchboardProperties properties) {
        return new ConsoleEndpoint(registry, store, drain, rebalancer, properties);
    }
}
