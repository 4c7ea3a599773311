package io.switchboard.limits;

import io.switchboard.cluster.NodeRegistry;
import io.switchboard.config.NodeId;
import io.switchboard.config.SwitchboardProperties;
import java.time.Duration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

/** Connection counts follow the broker: in memory for one node, Redis for a cluster. */
@Configuration(proxyBeanMethods = false)
class LimitsConfiguration {

    /** A count key outlives its last new connection this long (longer-lived connections then count no more). */
    private static final Duration COUNT_TTL = Duration.ofDays(1);

    @Bean
    @ConditionalOnProperty(name = "switchboard.broker", havingValue = "memory", matchIfMissing = true)
    ConnectionLimits inMemoryConnectionLimits() {
        return new InMemoryConnectionLimits();
    }

    @Bean
    @ConditionalOnProperty(name = "switchboard.broker", havingValue = "redis")
    RedisConnectionLimits redisConnectionLimits(LettuceConnectionFactory connectionFactory, NodeId nodeId,
                                                SwitchboardProperties properties, NodeRegistry registry) {
        RedisConnectionLimits limits = new RedisConnectionLimits(connectionFactory.getRequiredNativeClient(),
                properties.redis().keyPrefix(), nodeId.value(), registry::liveNodeIds, COUNT_TTL);
        registry.addListener(limits);
        return limits;
    }
}
