package io.switchboard.api;

import io.lettuce.core.AbstractRedisClient;
import io.switchboard.config.LifecyclePhases;
import io.switchboard.protocol.ErrorCode;
import io.switchboard.redis.ControlChannel;
import io.switchboard.redis.RedisCommandConnection;
import io.switchboard.room.Recipient;
import io.switchboard.room.Rooms;
import io.switchboard.session.Connections;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import tools.jackson.databind.json.JsonMapper;

/**
 * What the app orders done to a user's connections on every node: close them ({@code POST
 * /api/users/{user}/disconnect}), or take them out of a room (a ban). With Redis, the order goes out
 * on the nodes' control channel ({@code disconnect <json>}, {@code remove <json>}) and each node,
 * this one included, acts on the connections it holds; with the in-memory broker there is only this
 * node. A node that is not connected to Redis at that moment misses the order (a banned user it
 * holds is still refused on its next send, by the broker): the call answers 503 only when this node
 * could not send it.
 */
final class Moderation implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(Moderation.class);
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final String DISCONNECT = "disconnect ";
    private static final String REMOVE = "remove ";

    private final Connections connections;
    private final Rooms rooms;
    /** Null with the in-memory broker. */
    private final AbstractRedisClient client;
    private final String channel;
    private RedisCommandConnection commands;
    private ControlChannel control;
    private volatile boolean running;

    /** A {@code disconnect} order. */
    record Disconnect(String user, String reason, boolean reconnect) {}

    /** A {@code remove} order: the user out of the room. */
    record Remove(String user, String room) {}

    Moderation(Connections connections, Rooms rooms, AbstractRedisClient client, String channel) {
        this.connections = connections;
        this.rooms = rooms;
        this.client = client;
        this.channel = channel;
    }

    /** Closes the user's connections; completes once every node was told (with Redis: once the order was published). */
    CompletableFuture<Void> disconnect(String user, String reason, boolean reconnect) {
        return order(DISCONNECT, new Disconnect(user, reason, reconnect));
    }

    /**
     * Takes the user's connections out of the room, each told {@code left {room, reason: "forbidden"}};
     * completes once every node was told.
     */
    CompletableFuture<Void> remove(String user, String room) {
        return order(REMOVE, new Remove(user, room));
    }

    private CompletableFuture<Void> order(String kind, Object order) {
        String message = kind + JSON.writeValueAsString(order);
        if (client == null) {
            onControl(message);
            return CompletableFuture.completedFuture(null);
        }
        return control.publish(message).thenApply(receivers -> null);
    }

    /** On Lettuce's I/O thread: closes and removals are queued, nothing waits. */
    private void onControl(String message) {
        if (message.startsWith(DISCONNECT)) {
            Disconnect order = JSON.readValue(message.substring(DISCONNECT.length()), Disconnect.class);
            int closed = connections.disconnect(order.user(), order.reason(), order.reconnect());
            if (closed > 0) {
                log.info("Disconnected {} connection(s) of {} for the app: {}", closed, order.user(), order.reason());
            }
        } else if (message.startsWith(REMOVE)) {
            Remove order = JSON.readValue(message.substring(REMOVE.length()), Remove.class);
            for (Recipient recipient : connections.recipients(order.user())) {
                rooms.remove(recipient, order.room(), ErrorCode.FORBIDDEN.wire());
            }
        } // else another component's (the rebalancer's)
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
