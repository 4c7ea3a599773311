package io.switchboard.presence;

import io.switchboard.broker.Broker;
import io.switchboard.cluster.NodeRegistry;
import io.switchboard.config.NodeId;
import io.switchboard.config.SwitchboardProperties;
import io.switchboard.protocol.FrameCodec;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.StringRedisTemplate;

/** Presence follows the broker: in memory for one node, Redis for a cluster. */
@Configuration(proxyBeanMethods = false)
class PresenceConfiguration {

    @Bean
    @ConditionalOnProperty(name = "switchboard.broker", havingValue = "memory", matchIfMissing = true)
    Presence inMemoryPresence(SwitchboardProperties properties) {
        return new InMemoryPresence(properties.presence().listLimit());
    }

    /** Learns of dead nodes (and of a lost registry) from the cluster registry's heartbeat. */
    @Bean
    @ConditionalOnProperty(name = "switchboard.broker", havingValue = "redis")
    RedisPresence redisPresence(StringRedisTemplate redis, LettuceConnectionFactory connectionFactory, Broker broker,
                                FrameCodec codec, NodeId nodeId, SwitchboardProperties properties,
                                NodeRegistry registry) {
        RedisPresence presence = new RedisPresence(redis, connectionFactory.getRequiredNativeClient(), broker, codec,
                properties.redis().keyPrefix(), nodeId.value(), properties.presence().listLimit(),
                properties.presence().ttl(), properties.history().emptyRoomRetentionInEffect());
        registry.addListener(presence);
        return presence;
    }
}
