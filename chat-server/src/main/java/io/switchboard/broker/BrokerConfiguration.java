package io.switchboard.broker;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.metrics.MicrometerCommandLatencyRecorder;
import io.lettuce.core.metrics.MicrometerOptions;
import io.lettuce.core.resource.Delay;
import io.lettuce.core.resource.NettyCustomizer;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.netty.channel.Channel;
import io.netty.handler.flush.FlushConsolidationHandler;
import io.switchboard.config.SwitchboardProperties;
import io.switchboard.config.WebhookProperties;
import io.switchboard.protocol.RoomEventSink;
import io.switchboard.redis.RedisKeys;
import io.switchboard.redis.RoomEventCapture;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.data.redis.autoconfigure.ClientResourcesBuilderCustomizer;
import org.springframework.boot.data.redis.autoconfigure.LettuceClientOptionsBuilderCustomizer;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

/** Chooses the broker: {@code switchboard.broker=memory} (default) or {@code redis}. */
@Configuration(proxyBeanMethods = false)
class BrokerConfiguration {

    @Bean
    @ConditionalOnProperty(name = "switchboard.broker", havingValue = "memory", matchIfMissing = true)
    Broker inMemoryBroker(SwitchboardProperties properties, RoomEventSink events) {
        return new InMemoryBroker(properties.history().size(), properties.history().dedupeTtl(),
                properties.history().retention(), properties.history().emptyRoomRetentionInEffect(),
                properties.history().maxRooms(), Clock.systemUTC(), events);
    }

    /** A health contributor named {@code broker}: DOWN while the broker's backend cannot be reached. */
    @Bean
    HealthIndicator brokerHealthIndicator(Broker broker, SwitchboardProperties properties) {
        return () -> (broker.isAvailable() ? Health.up() : Health.down())
                .withDetail("type", properties.broker().name().toLowerCase(java.util.Locale.ROOT))
                .build();
    }

    /** {@code switchboard.broker.available}: 1 while the broker's backend can be reached (an alert rule watches it). */
    @Bean
    MeterBinder brokerAvailability(Broker broker) {
        return meters -> Gauge.builder("switchboard.broker.available", broker, b -> b.isAvailable() ? 1 : 0)
                .description("1 while the broker's backend (Redis) can be reached, else 0").register(meters);
    }

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnProperty(name = "switchboard.broker", havingValue = "redis")
    static class Redis {

        @Bean
        RedisBroker redisBroker(LettuceConnectionFactory connectionFactory, SwitchboardProperties properties,
                                WebhookProperties webhooks, MeterRegistry meters) {
            return new RedisBroker(connectionFactory.getRequiredNativeClient(), properties.redis().keyPrefix(),
                    properties.history().size(), properties.history().dedupeTtl(), properties.history().retention(),
                    properties.history().emptyRoomRetentionInEffect(), properties.redis().ackReplicas(),
                    properties.redis().ackTimeout(), new RoomEventCapture(webhooks.wanted(),
                            new RedisKeys(properties.redis().keyPrefix()), connectionFactory.getRequiredNativeClient(),
                            properties.history().retention()), meters);
        }

        /**
         * Fail commands at once while disconnected, so a send is refused instead of hanging; and
         * bound the commands awaiting an answer, so a slow Redis refuses more instead of letting
         * them pile up in the heap (Lettuce's default bound is {@code Integer.MAX_VALUE}).
         */
        @Bean
        LettuceClientOptionsBuilderCustomizer switchboardClientOptions(SwitchboardProperties properties) {
            return options -> options.disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                    .requestQueueSize(properties.redis().requestQueueSize());
        }

        /**
         * Redis command latency as Micrometer timers ({@code lettuce.command.completion} and
         * {@code lettuce.command.firstresponse}, by command type: count, sum and max), from Lettuce's
         * own Micrometer support. Without a bucket histogram or percentiles computed in the node
         * (Lettuce's defaults compute five): two timers are updated for every command, and those
         * updates were 0.5-1% of a publishing node's CPU in profiles (docs/benchmarks.md).
         */
        @Bean
        ClientResourcesBuilderCustomizer switchboardCommandLatency(MeterRegistry meters) {
            return resources -> resources.commandLatencyRecorder(new MicrometerCommandLatencyRecorder(meters,
                    MicrometerOptions.builder().histogram(false).targetPercentiles(new double[0]).build()));
        }

        /**
         * Commands handed to a Redis connection together go out in one write: Netty's {@link
         * FlushConsolidationHandler} at the socket's end of every Lettuce channel turns the flush of
         * each command (Lettuce flushes every command it writes) into one flush of all the commands
         * written by the tasks already queued on the connection's event loop, and of those written
         * while it reads an answer. A storm's joins and leaves, issued from many threads at once,
         * then reach Redis in batches instead of one {@code write} each, which saves the node's
         * syscalls and Redis's reads and replies (docs/benchmarks.md, "Commands to Redis in
         * batches"). A lone command waits for no timer: its flush runs as soon as the loop has run
         * the tasks queued before it.
         */
        @Bean
        ClientResourcesBuilderCustomizer switchboardFlushConsolidation() {
            return resources -> resources.nettyCustomizer(new NettyCustomizer() {
                @Override
                public void afterChannelInitialized(Channel channel) {
                    channel.pipeline().addFirst(new FlushConsolidationHandler(
                            FlushConsolidationHandler.DEFAULT_EXPLICIT_FLUSH_AFTER_FLUSHES, true));
                }
            });
        }

        /** The first reconnect's delay; each next one doubles, up to {@code switchboard.redis.reconnect-max-delay}. */
        static final Duration FIRST_RECONNECT_DELAY = Duration.ofMillis(50);

        /** Reconnect with exponential backoff from {@link #FIRST_RECONNECT_DELAY}. */
        @Bean
        ClientResourcesBuilderCustomizer switchboardReconnectDelay(SwitchboardProperties properties) {
            Duration max = properties.redis().reconnectMaxDelay();
            return resources -> resources.reconnectDelay(
                    Delay.exponential(FIRST_RECONNECT_DELAY, max, 2, TimeUnit.MILLISECONDS));
        }
    }
}
