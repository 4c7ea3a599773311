package io.switchboard.presence;

import io.switchboard.broker.Broker;
import io.switchboard.config.NodeId;
import io.switchboard.config.SwitchboardProperties;
import io.switchboard.protocol.FrameCodec;
import java.time.Clock;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.data.redis.core.StringRedisTemplate;

/** Presence follows the broker: in memory for one node, Redis for a cluster. */
@Configuration(proxyBeanMethods = false)
class PresenceConfiguration {

    @Bean
    @ConditionalOnProperty(name = "switchboard.broker", havingValue = "memory", matchIfMissing = true)
    Presence inMemoryPresence() {
        return new InMemoryPresence();
    }

    @Bean(destroyMethod = "close")
    @ConditionalOnProperty(name = "switchboard.broker", havingValue = "redis")
    RedisPresence redisPresence(StringRedisTemplate redis, Broker broker, FrameCodec codec, NodeId nodeId,
                                SwitchboardProperties properties) {
        var presence = properties.presence();
        return new RedisPresence(redis, broker, codec, properties.redis().keyPrefix(), nodeId.value(),
                presence.ttl(), presence.heartbeat(), Clock.systemUTC());
    }
}
