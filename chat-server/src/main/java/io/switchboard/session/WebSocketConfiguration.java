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
import org.springframework.boot.web.servlet.ServletRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Serves the chat protocol at {@code /ws}. */
@Configuration(proxyBeanMethods = false)
class WebSocketConfiguration {

    /** Binary frames are only ever refused (1003): one over 1 KiB is refused (1009) before it is read whole. */
    private static final int MAX_BINARY_FRAME = 1024;

    @Bean
    ServletRegistrationBean<ChatServlet> chatEndpoint(Rooms rooms, FrameCodec codec, NodeId nodeId,
                                                      SwitchboardProperties properties,
                                                      @Qualifier("outboxTimeouts") ScheduledExecutorService outboxTimeouts,
                                                      Connections connections, ApplicationAvailability availability) {
        ChatHandler handler = new ChatHandler(rooms, codec, nodeId, properties, outboxTimeouts, connections);
        ChatServlet servlet = new ChatServlet(handler, availability, properties.drain().retryAfter(),
                properties.allowedOrigins(), properties.permessageDeflate(), properties.limits().maxFrameLength(),
                MAX_BINARY_FRAME);
        ServletRegistrationBean<ChatServlet> registration = new ServletRegistrationBean<>(servlet, "/ws");
        registration.setAsyncSupported(true);
        return registration;
    }

    @Bean
    static Connections connections(FrameCodec codec, @Qualifier("connectionMoves") ScheduledExecutorService connectionMoves,
                                   MeterRegistry meters) {
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
