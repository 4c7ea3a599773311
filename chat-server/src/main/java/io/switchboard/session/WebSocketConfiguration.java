package io.switchboard.session;

import io.micrometer.core.instrument.MeterRegistry;
import io.switchboard.config.NodeId;
import io.switchboard.config.SwitchboardProperties;
import io.switchboard.protocol.FrameCodec;
import io.switchboard.room.Rooms;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.springframework.boot.availability.ApplicationAvailability;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.socket.config.annotation.EnableWebSocket;
import org.springframework.web.socket.config.annotation.WebSocketConfigurer;
import org.springframework.web.socket.config.annotation.WebSocketHandlerRegistry;
import org.springframework.web.socket.server.standard.ServletServerContainerFactoryBean;

/** Serves the chat protocol at {@code /ws}. */
@Configuration(proxyBeanMethods = false)
@EnableWebSocket
class WebSocketConfiguration implements WebSocketConfigurer {

    private static final int MAX_BINARY_FRAME = 1024;

    private final ChatHandler handler;
    private final ApplicationAvailability availability;
    private final SwitchboardProperties properties;

    WebSocketConfiguration(Rooms rooms, FrameCodec codec, NodeId nodeId, SwitchboardProperties properties,
                           ExecutorService outboxWriters, Connections connections,
                           ApplicationAvailability availability) {
        this.handler = new ChatHandler(rooms, codec, nodeId, properties, outboxWriters, connections);
        this.availability = availability;
        this.properties = properties;
    }

    @Override
    public void registerWebSocketHandlers(WebSocketHandlerRegistry registry) {
        registry.addHandler(handler, "/ws")
                .addInterceptors(new RefuseWhileNotReady(availability, properties.drain().retryAfter()))
                .setAllowedOriginPatterns(properties.allowedOrigins().toArray(String[]::new));
    }

    /**
     * A text frame longer than {@code switchboard.limits.max-frame-length} closes the connection
     * with 1009. Tomcat allocates both message buffers for every connection up front, and binary
     * frames are only ever refused (1003), so the binary buffer is kept small: a binary frame over
     * 1 KiB is refused with 1009 before it is read whole.
     */
    @Bean
    ServletServerContainerFactoryBean webSocketContainer() {
        ServletServerContainerFactoryBean container = new ServletServerContainerFactoryBean();
        container.setMaxTextMessageBufferSize(properties.limits().maxFrameLength());
        container.setMaxBinaryMessageBufferSize(MAX_BINARY_FRAME);
        return container;
    }

    /** Unless {@code switchboard.permessage-deflate} is on, no WebSocket extension is negotiated on {@code /ws}. */
    @Bean
    FilterRegistrationBean<DeclineExtensions> declineWebSocketExtensions() {
        FilterRegistrationBean<DeclineExtensions> registration = new FilterRegistrationBean<>(new DeclineExtensions());
        registration.addUrlPatterns("/ws");
        registration.setEnabled(!properties.permessageDeflate());
        return registration;
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

    /** Writes each busy connection's outbox on a virtual thread. */
    @Bean(destroyMethod = "shutdownNow")
    static ExecutorService outboxWriters() {
        return Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("outbox-", 0).factory());
    }
}
