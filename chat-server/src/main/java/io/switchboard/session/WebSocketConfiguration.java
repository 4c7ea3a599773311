package io.switchboard.session;

import io.switchboard.config.NodeId;
import io.switchboard.config.SwitchboardProperties;
import io.switchboard.protocol.FrameCodec;
import io.switchboard.room.Rooms;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
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

    private final ChatHandler handler;
    private final SwitchboardProperties properties;

    WebSocketConfiguration(Rooms rooms, FrameCodec codec, NodeId nodeId, SwitchboardProperties properties,
                           ExecutorService outboxWriters) {
        this.handler = new ChatHandler(rooms, codec, nodeId, properties, outboxWriters);
        this.properties = properties;
    }

    @Override
    public void registerWebSocketHandlers(WebSocketHandlerRegistry registry) {
        registry.addHandler(handler, "/ws")
                .setAllowedOriginPatterns(properties.allowedOrigins().toArray(String[]::new));
    }

    /** A frame larger than {@code switchboard.limits.max-frame-bytes} closes the connection with 1009. */
    @Bean
    ServletServerContainerFactoryBean webSocketContainer() {
        ServletServerContainerFactoryBean container = new ServletServerContainerFactoryBean();
        container.setMaxTextMessageBufferSize(properties.limits().maxFrameBytes());
        container.setMaxBinaryMessageBufferSize(properties.limits().maxFrameBytes());
        return container;
    }

    /** Writes each busy connection's outbox on a virtual thread. */
    @Bean(destroyMethod = "shutdownNow")
    static ExecutorService outboxWriters() {
        return Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("outbox-", 0).factory());
    }
}
