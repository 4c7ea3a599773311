package io.switchboard.support;

import io.switchboard.SwitchboardApplication;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.eclipse.jetty.server.Server;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.jetty.JettyWebServer;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

/** A Switchboard node started in this JVM on random ports. */
public final class Node implements AutoCloseable {

    private final ConfigurableApplicationContext context;

    private Node(Map<String, String> properties) {
        List<String> args = new ArrayList<>();
        properties.forEach((k, v) -> args.add("--" + k + "=" + v));
        context = new SpringApplicationBuilder(SwitchboardApplication.class).run(args.toArray(String[]::new));
    }

    /** A node on the in-memory broker. */
    public static Node inMemory(String... extra) {
        Map<String, String> properties = base("memory");
        put(properties, extra);
        return new Node(properties);
    }

    /** A node on the given Redis, with keys under {@code prefix} and fast presence expiry. */
    public static Node onRedis(int redisPort, String prefix, String nodeId, String... extra) {
        Map<String, String> properties = redisProperties(redisPort, prefix, nodeId);
        put(properties, extra);
        return new Node(properties);
    }

    /** Properties for a Redis-backed test node, also used to start one as a separate process. */
    public static Map<String, String> redisProperties(int redisPort, String prefix, String nodeId) {
        Map<String, String> properties = base("redis");
        properties.put("spring.data.redis.host", "127.0.0.1");
        properties.put("spring.data.redis.port", Integer.toString(redisPort));
        properties.put("switchboard.redis.key-prefix", prefix);
        properties.put("switchboard.node-id", nodeId);
        properties.put("switchboard.redis.reconnect-max-delay", "500ms");
        properties.put("switchboard.limits.messages-per-second", "10000");
        properties.put("switchboard.limits.burst", "10000");
        properties.put("switchboard.cluster.heartbeat", "250ms");
        properties.put("switchboard.cluster.ttl", "3s");
        return properties;
    }

    private static Map<String, String> base(String broker) {
        Map<String, String> properties = new LinkedHashMap<>();
        properties.put("server.port", "0");
        properties.put("management.server.port", "0");
        properties.put("switchboard.broker", broker);
        properties.put("spring.main.banner-mode", "off");
        // Drains in tests move sessions at once and quickly; the rebalance tests turn auto on.
        properties.put("switchboard.drain.health-check-wait", "0s");
        properties.put("switchboard.drain.window", "300ms");
        properties.put("switchboard.drain.shutdown-timeout", "10s");
        properties.put("switchboard.rebalance.auto", "false");
        return properties;
    }

    private static void put(Map<String, String> properties, String... extra) {
        for (String pair : extra) {
            int eq = pair.indexOf('=');
            properties.put(pair.substring(0, eq), pair.substring(eq + 1));
        }
    }

    public int port() {
        return Integer.parseInt(context.getEnvironment().getProperty("local.server.port"));
    }

    /** The Jetty server on the node's chat port. */
    public Server jetty() {
        return ((JettyWebServer) ((WebServerApplicationContext) context).getWebServer()).getServer();
    }

    public int managementPort() {
        return Integer.parseInt(context.getEnvironment().getProperty("local.management.port"));
    }

    /** The live nodes as this node's registry last saw them (never a read of Redis). */
    public java.util.Set<String> liveNodes() {
        return bean(io.switchboard.cluster.NodeRegistry.class).liveNodeIds();
    }

    /** Open WebSocket connections on this node. */
    public int connections() {
        return bean(io.switchboard.session.Connections.class).count();
    }

    /** The status of the node's {@code broker} health contributor (UP, DOWN), or "unreachable". */
    public String brokerHealth() {
        try {
            return String.valueOf(Actuator.get(managementPort(), "/actuator/health/broker").json().get("status"));
        } catch (RuntimeException e) {
            return "unreachable";
        }
    }

    public boolean isReady() {
        return bean(org.springframework.boot.availability.ApplicationAvailability.class).getReadinessState()
                == org.springframework.boot.availability.ReadinessState.ACCEPTING_TRAFFIC;
    }

    public boolean isRunning() {
        return context.isActive();
    }

    public <T> T bean(Class<T> type) {
        return context.getBean(type);
    }

    public <T> T bean(String name, Class<T> type) {
        return context.getBean(name, type);
    }

    @Override
    public void close() {
        context.close();
    }
}
