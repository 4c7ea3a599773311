package io.switchboard.rebalance;

import io.micrometer.core.instrument.MeterRegistry;
import io.switchboard.cluster.NodeRegistry;
import io.switchboard.config.SwitchboardProperties;
import io.switchboard.session.Connections;
import io.switchboard.session.Placement;
import java.time.Clock;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.ApplicationListener;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

/** Evening out connections: the rebalancer (none for a single node) and where new connections go meanwhile. */
@Configuration(proxyBeanMethods = false)
class RebalanceConfiguration {

    @Bean
    @ConditionalOnProperty(name = "switchboard.broker", havingValue = "memory", matchIfMissing = true)
    Rebalancer singleNodeRebalancer() {
        return new SingleNodeRebalancer();
    }

    /** Where new connections go while connections move: the emptier nodes. */
    @Bean
    Placement placement(NodeRegistry registry, Connections connections, SwitchboardProperties properties) {
        return new FairShare(registry, connections::count, properties.rebalance().toleranceRelative());
    }

    @Bean
    RebalanceEndpoint rebalanceEndpoint(Rebalancer rebalancer) {
        return new RebalanceEndpoint(rebalancer);
    }

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnProperty(name = "switchboard.broker", havingValue = "redis")
    static class Redis {

        @Bean
        RedisRebalancer redisRebalancer(LettuceConnectionFactory connectionFactory, NodeRegistry registry,
                                        Connections connections, SwitchboardProperties properties,
                                        MeterRegistry meters) {
            return new RedisRebalancer(connectionFactory.getRequiredNativeClient(), registry, connections, properties,
                    Clock.systemUTC(), meters);
        }

        /** A node that joins a cluster rebalances it by itself once settled (unless turned off). */
        @Bean
        ApplicationListener<ApplicationReadyEvent> automaticRebalance(RedisRebalancer rebalancer) {
            return event -> rebalancer.scheduleAutomatic();
        }
    }
}
