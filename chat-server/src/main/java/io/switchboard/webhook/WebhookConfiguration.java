package io.switchboard.webhook;

import io.micrometer.core.instrument.MeterRegistry;
import io.switchboard.config.NodeId;
import io.switchboard.config.SwitchboardProperties;
import io.switchboard.config.WebhookProperties.Webhook;
import io.switchboard.config.WebhookProperties;
import io.switchboard.redis.RedisCommandConnection;
import io.switchboard.redis.RedisKeys;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

/** The webhooks (docs/webhooks.md): the rooms' events, and their delivery. */
@Configuration(proxyBeanMethods = false)
class WebhookConfiguration {

    /** With the in-memory broker: the bounded queue the broker and presence fill ({@link io.switchboard.protocol.RoomEventSink}). */
    @Bean
    @ConditionalOnProperty(name = "switchboard.broker", havingValue = "memory", matchIfMissing = true)
    InMemoryEventFeed inMemoryEventFeed(WebhookProperties properties, MeterRegistry meters) {
        return new InMemoryEventFeed(properties.wanted(), properties.webhooks().stream().map(Webhook::name).toList(),
                properties.webhookDelivery().queueSize(), properties.webhookDelivery().deadLetters(), meters);
    }

    /** Closed by the dispatcher when it stops, before Spring's Redis connection factory does. */
    @Bean(destroyMethod = "")
    @ConditionalOnProperty(name = "switchboard.broker", havingValue = "redis")
    RedisEventFeed redisEventFeed(LettuceConnectionFactory connectionFactory, WebhookProperties properties,
                                  SwitchboardProperties switchboard, NodeId node) {
        return new RedisEventFeed(RedisCommandConnection.open(connectionFactory.getRequiredNativeClient()),
                new RedisKeys(switchboard.redis().keyPrefix()), node.value(), properties.webhookDelivery().lease(),
                properties.webhooks().stream().map(Webhook::name).toList(), properties.webhookDelivery().deadLetters());
    }

    @Bean
    WebhookDispatcher webhookDispatcher(EventFeed feed, WebhookProperties properties, MeterRegistry meters) {
        return new WebhookDispatcher(feed, properties, meters);
    }
}
