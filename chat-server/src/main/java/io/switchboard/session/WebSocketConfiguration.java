package io.switchboard.session;

import io.switchboard.config.NodeId;
import io.switchboard.config.SwitchboardProperties;
import io.switchboard.protocol.FrameCodec;
import io.switchboard.room.Rooms;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.springframework.boot.web.server.context.WebServerGracefulShutdownLifecycle;
import org.springframework.context.SmartLifecycle;
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

    /**
     * On shutdown, before the web server stops: every client is told {@code reconnect} (spread
     * over a second) and closed with 1012, so it resumes on another node without losing anything.
     */
    @Bean
    SmartLifecycle closeConnectionsOnShutdown() {
        return new SmartLifecycle() {
            private volatile boolean running;

            @Override
            public void start() {
                running = true;
            }

            @Override
            public void stop() {
                running = false;
                handler.closeAll("shutdown", 1000);
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

    /** Writes each busy connection's outbox on a virtual thread. */
    @Bean(destroyMethod = "shutdownNow")
    static ExecutorService outboxWriters() {
        return Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("outbox-", 0).factory());
    }
}
