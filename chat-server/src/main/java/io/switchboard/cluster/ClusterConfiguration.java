package io.switchboard.cluster;

import io.micrometer.core.instrument.MeterRegistry;
import io.switchboard.config.NodeId;
import io.switchboard.config.SwitchboardProperties;
import io.switchboard.redis.RedisCommandConnection;
import io.switchboard.redis.RedisKeys;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Clock;
import java.util.function.Supplier;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.info.BuildProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

/** The node registry: in memory for one node, in Redis for a cluster. */
@Configuration(proxyBeanMethods = false)
class ClusterConfiguration {

    @Bean
    @ConditionalOnProperty(name = "switchboard.broker", havingValue = "memory", matchIfMissing = true)
    NodeRegistry inMemoryNodeRegistry(NodeId nodeId, ConnectionCount connections, Environment environment,
                                      SwitchboardProperties properties, ObjectProvider<BuildProperties> build) {
        return new InMemoryNodeRegistry(nodeId.value(), version(build), address(environment, properties),
                connections::count, Clock.systemUTC());
    }

    @Bean
    ClusterEndpoint clusterEndpoint(NodeRegistry registry) {
        return new ClusterEndpoint(registry);
    }

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnProperty(name = "switchboard.broker", havingValue = "redis")
    static class Redis {

        @Bean
        RedisNodeRegistry redisNodeRegistry(LettuceConnectionFactory connectionFactory, NodeId nodeId,
                                            ConnectionCount connections, Environment environment,
                                            SwitchboardProperties properties, ObjectProvider<BuildProperties> build,
                                            MeterRegistry meters) {
            var cluster = properties.cluster();
            return new RedisNodeRegistry(RedisCommandConnection.open(connectionFactory.getRequiredNativeClient()),
                    new RedisKeys(properties.redis().keyPrefix()), nodeId.value(), version(build),
                    address(environment, properties), management(environment, properties), connections::count,
                    cluster.heartbeat(), cluster.ttl(), Clock.systemUTC(), meters);
        }
    }

    private static String version(ObjectProvider<BuildProperties> build) {
        BuildProperties properties = build.getIfAvailable();
        return properties == null ? "dev" : properties.getVersion();
    }

    /**
     * The host of {@link #address} and the management port (known once its server runs), where other
     * nodes read this node's health; empty with no management port of its own.
     */
    private static Supplier<String> management(Environment environment, SwitchboardProperties properties) {
        Supplier<String> address = address(environment, properties);
        return () -> {
            String port = environment.getProperty("local.management.port");
            if (port == null || port.equals("-1")) {
                return "";
            }
            String chat = address.get();
            int colon = chat.lastIndexOf(':');
            String host = colon > 0 && chat.indexOf(':') == colon ? chat.substring(0, colon) : chat;
            return host + ":" + port;
        };
    }

    /** {@code switchboard.cluster.address}, or host name and the chat port (known once the web server runs). */
    private static Supplier<String> address(Environment environment, SwitchboardProperties properties) {
        String configured = properties.cluster().address();
        if (!configured.isBlank()) {
            return () -> configured;
        }
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            host = "localhost";
        }
        String name = host;
        return () -> name + ":" + environment.getProperty("local.server.port", environment.getProperty("server.port", "8080"));
    }
}
