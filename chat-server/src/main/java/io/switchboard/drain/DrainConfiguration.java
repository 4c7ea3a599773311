package io.switchboard.drain;

import io.micrometer.core.instrument.MeterRegistry;
import io.switchboard.broker.Broker;
import io.switchboard.cluster.NodeRegistry;
import io.switchboard.config.NamedThreads;
import io.switchboard.config.SwitchboardProperties;
import io.switchboard.session.Connections;
import java.util.concurrent.ScheduledExecutorService;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.web.server.context.WebServerGracefulShutdownLifecycle;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.SmartLifecycle;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The drain: its coordinator, actuator endpoint, health contributor and shutdown hook. */
@Configuration(proxyBeanMethods = false)
class DrainConfiguration {

    @Bean
    DrainCoordinator drainCoordinator(NodeRegistry registry, Connections connections, ApplicationEventPublisher events,
                                      ScheduledExecutorService drainTimer, SwitchboardProperties properties,
                                      MeterRegistry meters) {
        return new DrainCoordinator(registry, connections, events, drainTimer, properties.drain(), meters);
    }

    /** Waits out the health-check delay before a drain moves anyone; its thread starts with the first drain. */
    @Bean(destroyMethod = "shutdownNow")
    ScheduledExecutorService drainTimer(MeterRegistry meters) {
        return NamedThreads.scheduled("drain", meters);
    }

    /** With Redis: readiness follows the broker, and a node cut off from Redis while others are not moves its clients. */
    @Bean
    @ConditionalOnProperty(name = "switchboard.broker", havingValue = "redis")
    CutOffWatch cutOffWatch(Broker broker, NodeRegistry registry, DrainCoordinator drain, SwitchboardProperties properties,
                            MeterRegistry meters) {
        return new CutOffWatch(broker::isAvailable, () -> registry.lastSeen().stream()
                .filter(node -> !node.id().equals(registry.self())).toList(), drain,
                properties.cluster().cutOffGrace(), properties.redis().reconnectMaxDelay(), System::nanoTime,
                meters);
    }

    @Bean
    DrainEndpoint drainEndpoint(DrainCoordinator drain) {
        return new DrainEndpoint(drain);
    }

    /**
     * A health contributor named {@code drain}: always UP (readiness says whether to route traffic),
     * with the drain's state and the connections open on the node, drain or not.
     */
    @Bean
    HealthIndicator drainHealthIndicator(DrainCoordinator drain, Connections connections) {
        return () -> Health.up().withDetail("state", drain.status().state())
                .withDetail("sessions", connections.count()).build();
    }

    /**
     * On SIGTERM or any context close, before the web server stops: the same drain as
     * {@code POST /actuator/drain}, bounded by {@code switchboard.drain.shutdown-timeout}.
     */
    @Bean
    SmartLifecycle drainOnShutdown(DrainCoordinator drain) {
        return new SmartLifecycle() {
            private volatile boolean running;

            @Override
            public void start() {
                running = true;
            }

            @Override
            public void stop() {
                running = false;
                drain.drainForShutdown();
            }

            @Override
            public boolean isRunning() {
                return running;
            }

            @Override
            public int getPhase() {
                // stopped before the web server (which stops in the graceful-shutdown phase)
                return WebServerGracefulShutdownLifecycle.SMART_LIFECYCLE_PHASE + 1;
            }
        };
    }
}
