package io.switchboard.session;

import io.micrometer.core.instrument.MeterRegistry;
import io.switchboard.config.NodeId;
import io.switchboard.config.SwitchboardProperties;
import io.switchboard.protocol.FrameCodec;
import io.switchboard.room.Rooms;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.availability.ApplicationAvailability;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.socket.config.annotation.EnableWebSocket;
import org.springframework.web.socket.config.annotation.WebSocketConfigurer;
import org.springframework.web.socket.config.annotation.WebSocketHandlerRegistry;
import org.springframework.web.socket.server.support.DefaultHandshakeHandler;

/** Serves the chat protocol at {@code /ws}. */
@Configuration(proxyBeanMethods = false)
@EnableWebSocket
class WebSocketConfiguration implements WebSocketConfigurer {

    private static final int MAX_BINARY_FRAME = 1024;

    private final ChatHandler handler;
    private final ApplicationAvailability availability;
    private final SwitchboardProperties properties;

    WebSocketConfiguration(Rooms rooms, FrameCodec codec, NodeId nodeId, SwitchboardProperties properties,
                           @Qualifier("outboxTimeouts") ScheduledExecutorService outboxTimeouts,
                           Connections connections, ApplicationAvailability availability) {
        this.handler = new ChatHandler(rooms, codec, nodeId, properties, outboxTimeouts, connections);
        this.availability = availability;
        this.properties = properties;
    }

    @Override
    public void registerWebSocketHandlers(WebSocketHandlerRegistry registry) {
        // A text frame over switchboard.limits.max-frame-length bytes closes the connection with 1009.
        // Binary frames are only ever refused (1003): one over 1 KiB is refused (1009) before it is read whole.
        JettyUpgrade upgrade = new JettyUpgrade(properties.permessageDeflate(), properties.limits().maxFrameLength(),
                MAX_BINARY_FRAME);
        registry.addHandler(handler, "/ws")
                .setHandshakeHandler(new DefaultHandshakeHandler(upgrade))
                .addInterceptors(new RefuseWhileNotReady(availability, properties.drain().retryAfter()))
                .setAllowedOriginPatterns(properties.allowedOrigins().toArray(String[]::new));
    }

    @Bean
    static Connections connections(FrameCodec codec, ScheduledExecutorService connectionMoves, MeterRegistry meters) {
        return new Connections(codec, connectionMoves, meters);
    }

    /** Paces moves of connections (drain, rebalance); its one thread starts with the first move. */
    @Bean(destroyMethod = "shutdownNow")
    static ScheduledExecutorService connectionMoves() {
        return Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().name("connection-moves").daemon().factory());
    }

    /** Drops connections whose close cannot get through (a peer that reads nothing); idle otherwise. */
    @Bean(destroyMethod = "shutdownNow")
    static ScheduledExecutorService outboxTimeouts() {
        return Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().name("outbox-timeouts").daemon().factory());
    }
}
