package io.switchboard.presence;

import io.micrometer.core.instrument.MeterRegistry;
import io.switchboard.broker.Broker;
import io.switchboard.cluster.NodeRegistry;
import io.switchboard.config.NodeId;
import io.switchboard.config.SwitchboardProperties;
import io.switchboard.config.WebhookProperties;
import io.switchboard.protocol.FrameCodec;
import io.switchboard.protocol.RoomEventSink;
import io.switchboard.redis.RedisCommandConnection;
import io.switchboard.redis.RedisKeys;
import io.switchboard.redis.RoomEventCapture;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

/** Presence follows the broker: in memory for one node, Redis for a cluster; one announcer either way. */
@Configuration(proxyBeanMethods = false)
class PresenceConfiguration {

    @Bean
    @ConditionalOnProperty(name = "switchboard.broker", havingValue = "memory", matchIfMissing = true)
    Presence inMemoryPresence(SwitchboardProperties properties, FrameCodec codec, RoomEventSink events) {
        return new InMemoryPresence(properties.presence().listLimit(), codec, events);
    }

    @Bean
    Announcer announcer(Broker broker, Presence presence, FrameCodec codec, SwitchboardProperties properties,
                        MeterRegistry meters) {
        return new Announcer(broker, presence, codec, properties.presence().listLimit(),
                properties.presence().countInterval(), properties.presence().batchInterval(), meters);
    }

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnProperty(name = "switchboard.broker", havingValue = "redis")
    static class Redis {

        @Bean(destroyMethod = "close")
        RedisPresence redisPresence(LettuceConnectionFactory connectionFactory, FrameCodec codec, NodeId nodeId,
                                    SwitchboardProperties properties, WebhookProperties webhooks) {
            RedisKeys keys = new RedisKeys(properties.redis().keyPrefix());
            return new RedisPresence(RedisCommandConnection.open(connectionFactory.getRequiredNativeClient()), codec,
                    keys, nodeId.value(), properties.presence().listLimit(),
                    properties.presence().ttl(), properties.history().emptyRoomRetentionInEffect(),
                    new RoomEventCapture(webhooks.wanted(), keys, connectionFactory.getRequiredNativeClient(),
                            properties.history().retention()));
        }

        /** Learns of a lost registry entry from the registry's heartbeat. */
        @Bean
        PresenceRefresher presenceRefresher(RedisPresence presence, SwitchboardProperties properties,
                                            NodeRegistry registry, MeterRegistry meters) {
            PresenceRefresher refresher = new PresenceRefresher(presence, properties.presence().ttl(), meters);
            registry.addListener(refresher);
            return refresher;
        }

        /**
         * Learns of dead nodes from the registry's heartbeat; the rooms of a dead node's members, and
         * of entries found expired, are told by the announcer.
         */
        @Bean
        PresenceReaper presenceReaper(RedisPresence presence, Announcer announcer, NodeId nodeId,
                                      NodeRegistry registry) {
            presence.onExpired(announcer::left);
            PresenceReaper reaper = new PresenceReaper(presence, announcer::left, nodeId.value());
            registry.addListener(reaper);
            return reaper;
        }
    }
}
