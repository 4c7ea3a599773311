package io.switchboard.api;

import io.lettuce.core.AbstractRedisClient;
import io.switchboard.config.LifecyclePhases;
import io.switchboard.redis.ControlChannel;
import io.switchboard.redis.RedisCommandConnection;
import io.switchboard.session.Connections;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import tools.jackson.databind.json.JsonMapper;

/**
 * Closes a user's connections on every node ({@code POST /api/users/{user}/disconnect}): with Redis,
 * the order goes out on the nodes' control channel ({@code disconnect <json>}), and each node,
 * this one included, closes the connections it holds ({@link Connections#disconnect}); with the
 * in-memory broker there is only this node. A node that is not connected to Redis at that moment
 * misses the order: the call answers 503 only when this node could not send it.
 */
final class Disconnects implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(Disconnects.class);
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final String ORDER = "disconnect ";

    private final Connections connections;
    /** Null with the in-memory broker. */
    private final AbstractRedisClient client;
    private final String channel;
    private RedisCommandConnection commands;
    private ControlChannel control;
    private volatile boolean running;

    /** What the control channel carries. */
    record Order(String user, String reason, boolean reconnect) {}

    Disconnects(Connections connections, AbstractRedisClient client, String channel) {
        this.connections = connections;
        this.client = client;
        this.channel = channel;
    }

    /** Completes once every node was told (with Redis: once the order was published). */
    CompletableFuture<Void> disconnect(String user, String reason, boolean reconnect) {
        if (client == null) {
            connections.disconnect(user, reason, reconnect);
            return CompletableFuture.completedFuture(null);
        }
        return control.publish(ORDER + JSON.writeValueAsString(new Order(user, reason, reconnect)))
                .thenApply(receivers -> null);
    }

    /** On Lettuce's I/O thread: closes are queued, nothing waits. */
    private void onControl(String message) {
        if (!message.startsWith(ORDER)) {
            return; // another component's (the rebalancer's)
        }
        Order order = JSON.readValue(message.substring(ORDER.length()), Order.class);
        int closed = connections.disconnect(order.user(), order.reason(), order.reconnect());
        if (closed > 0) {
            log.info("Disconnected {} connection(s) of {} for the app: {}", closed, order.user(), order.reason());
        }
    }

    @Override
    public void start() {
        if (client != null) {
            commands = RedisCommandConnection.open(client);
            control = ControlChannel.subscribe(client, commands, channel, this::onControl);
        }
        running = true;
    }

    @Override
    public void stop() {
        running = false;
        if (control != null) {
            control.close();
            commands.close();
        }
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    @Override
    public int getPhase() {
        return LifecyclePhases.REBALANCER;
    }
}
