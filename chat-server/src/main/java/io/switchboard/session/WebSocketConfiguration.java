package io.switchboard.session;

import io.micrometer.core.instrument.MeterRegistry;
import io.switchboard.auth.Authenticator;
import io.switchboard.config.NamedThreads;
import io.switchboard.config.NodeId;
import io.switchboard.config.SwitchboardProperties;
import io.switchboard.limits.ConnectionLimits;
import io.switchboard.protocol.FrameCodec;
import io.switchboard.room.Rooms;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.BlockingArrayQueue;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.boot.autoconfigure.condition.ConditionalOnThreading;
import org.springframework.boot.availability.ApplicationAvailability;
import org.springframework.boot.jetty.autoconfigure.JettyServerProperties;
import org.springframework.boot.jetty.servlet.JettyServletWebServerFactory;
import org.springframework.boot.thread.Threading;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.boot.web.servlet.ServletRegistrationBean;
import org.springframework.boot.webmvc.autoconfigure.DispatcherServletAutoConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.web.filter.ServerHttpObservationFilter;

/** Serves the chat protocol at {@code /ws}. */
@Configuration(proxyBeanMethods = false)
class WebSocketConfiguration {

    /** Binary frames are only ever refused (1003): one over 1 KiB is refused (1009) before it is read whole. */
    private static final int MAX_BINARY_FRAME = 1024;
    /**
     * Connections the kernel may hold for the chat port before they are accepted. A drain or a
     * restart sends thousands of clients back at once; with Java's default backlog of 50 the rest
     * of their SYNs are dropped and each waits a retransmit (1 s, then 3 s). The kernel caps this
     * at {@code net.core.somaxconn} (4096 on current Linux).
     */
    private static final int ACCEPT_QUEUE = 4096;

    @Bean
    ServletRegistrationBean<ChatServlet> chatEndpoint(Rooms rooms, FrameCodec codec, NodeId nodeId,
                                                      SwitchboardProperties properties,
                                                      @Qualifier("outboxTimeouts") ScheduledExecutorService outboxTimeouts,
                                                      Connections connections, ApplicationAvailability availability,
                                                      Authenticator authenticator,
                                                      @Qualifier("connectionDeadlines") ScheduledExecutorService connectionDeadlines,
                                                      ConnectionLimits connectionLimits, Placement placement,
                                                      @Qualifier("issuerWaits") ExecutorService issuerWaits,
                                                      MeterRegistry meters) {
        var limits = properties.limits();
        ChatHandler handler = new ChatHandler(rooms, codec, nodeId, properties, outboxTimeouts, connections,
                new Identities(authenticator, connectionLimits, rooms, codec, nodeId, connectionDeadlines, issuerWaits,
                        properties, meters),
                connectionLimits);
        ChatServlet servlet = new ChatServlet(handler, availability, properties.drain().retryAfter(),
                properties.allowedOrigins(), properties.permessageDeflate(), limits.maxFrameLength(),
                MAX_BINARY_FRAME, new KeyedRates(limits.handshakesPerSecondPerIp(), limits.handshakeBurstPerIp()),
                connectionLimits, limits.maxConnectionsPerIp(), new ClientAddress(properties.trustedProxies()), placement,
                meters);
        ServletRegistrationBean<ChatServlet> registration = new ServletRegistrationBean<>(servlet, ChatServlet.PATH);
        registration.setAsyncSupported(true);
        return registration;
    }

    /**
     * Spring's observation filter for Spring MVC's requests only, not in front of {@code /ws}: timing
     * a handshake through an observation (its context, scope and key values) took 2.4% of a node's
     * CPU in a reconnect storm; {@link HandshakeTimes} records the same timer for {@code /ws}
     * (docs/benchmarks.md, "Nothing in front of a handshake").
     */
    @Bean
    static BeanPostProcessor observeSpringMvcRequestsOnly() {
        return new BeanPostProcessor() {
            @Override
            public Object postProcessBeforeInitialization(Object bean, String name) {
                if (bean instanceof FilterRegistrationBean<?> registration
                        && registration.getFilter() instanceof ServerHttpObservationFilter) {
                    registration.setUrlPatterns(List.of());
                    registration.setServletNames(List.of(DispatcherServletAutoConfiguration.DEFAULT_DISPATCHER_SERVLET_BEAN_NAME));
                }
                return bean;
            }
        };
    }

    /**
     * Jetty's threads: its selectors (which also accept connections: {@code acceptors: 0} in
     * application.yml) on a pool of platform threads (sized by {@code server.jetty.threads.*}), and
     * each frame's or request's handling on a virtual thread of its own. Spring Boot's pool for
     * virtual threads puts the selectors on virtual threads too, and then every read wakes three
     * threads: the JDK's poller, a carrier for the selector, one for the frame; here the selector
     * waits in epoll itself (docs/benchmarks.md, "Jetty's selectors on
     * platform threads": 12% less CPU per delivery at 20,000/s, and lower tail latency). Ordered
     * after Boot's customizer, which would put its own pool in place ({@code JettyThreadsTests}).
     */
    @Bean
    @Order(Ordered.LOWEST_PRECEDENCE)
    @ConditionalOnThreading(Threading.VIRTUAL)
    WebServerFactoryCustomizer<JettyServletWebServerFactory> jettyThreads(JettyServerProperties server) {
        return factory -> {
            JettyServerProperties.Threads threads = server.getThreads();
            Integer capacity = threads.getMaxQueueCapacity();
            QueuedThreadPool pool = new QueuedThreadPool(threads.getMax(), threads.getMin(),
                    (int) threads.getIdleTimeout().toMillis(), capacity == null ? null
                    : capacity == 0 ? new SynchronousQueue<>() : new BlockingArrayQueue<>(capacity));
            pool.setName("jetty");
            pool.setVirtualThreadsExecutor(Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("jetty-", 0).factory()));
            factory.setThreadPool(pool);
        };
    }

    @Bean
    WebServerFactoryCustomizer<JettyServletWebServerFactory> acceptQueue() {
        return factory -> factory.addServerCustomizers(server -> {
            for (Connector connector : server.getConnectors()) {
                if (connector instanceof ServerConnector serverConnector) {
                    serverConnector.setAcceptQueueSize(ACCEPT_QUEUE);
                }
            }
        });
    }

    /**
     * The ports of {@code switchboard.additional-ports}: connectors beside the chat port, on its
     * address, with its HTTP settings, threads and buffers, so a connection is served the same
     * whichever port it came through.
     */
    @Bean
    WebServerFactoryCustomizer<JettyServletWebServerFactory> additionalPorts(SwitchboardProperties properties) {
        return factory -> factory.addServerCustomizers(server -> {
            ServerConnector chat = (ServerConnector) server.getConnectors()[0];
            HttpConfiguration http = chat.getConnectionFactory(HttpConnectionFactory.class).getHttpConfiguration();
            for (int port : properties.additionalPorts()) {
                ServerConnector more = new ServerConnector(server, chat.getExecutor(), chat.getScheduler(),
                        chat.getByteBufferPool(), chat.getAcceptors(), chat.getSelectorManager().getSelectorCount(),
                        new HttpConnectionFactory(http));
                more.setHost(chat.getHost());
                more.setPort(port);
                more.setIdleTimeout(chat.getIdleTimeout());
                more.setAcceptQueueSize(ACCEPT_QUEUE);
                server.addConnector(more);
            }
        });
    }

    @Bean
    static Connections connections(FrameCodec codec, @Qualifier("connectionMoves") ScheduledExecutorService connectionMoves,
                                   MeterRegistry meters) {
        return new Connections(codec, connectionMoves, meters);
    }

    /** Paces moves of connections (drain, rebalance); its one thread starts with the first move. */
    @Bean(destroyMethod = "shutdownNow")
    static ScheduledExecutorService connectionMoves(MeterRegistry meters) {
        return NamedThreads.scheduled("connection-moves", meters);
    }

    /**
     * The heartbeat: every half interval, pings connections quiet for an interval and closes those
     * that answered no ping within the timeout. One pass over the connections, no timer per connection.
     */
    @Bean(destroyMethod = "shutdownNow")
    static ScheduledExecutorService heartbeats(Connections connections, SwitchboardProperties properties,
                                               MeterRegistry meters) {
        var heartbeat = properties.heartbeat();
        ScheduledExecutorService heartbeats = NamedThreads.scheduled("heartbeats", meters);
        long every = Math.max(1, heartbeat.interval().toMillis() / 2);
        heartbeats.scheduleWithFixedDelay(() -> connections.heartbeat(heartbeat.interval(), heartbeat.timeout()),
                every, every, TimeUnit.MILLISECONDS);
        return heartbeats;
    }

    @Bean
    static Authenticator authenticator(SwitchboardProperties properties) {
        return new Authenticator(properties.auth());
    }

    /**
     * Closes connections that said no hello within {@code switchboard.limits.hello-timeout}, and those
     * whose token expired without a refresh; a deadline that no longer applies is removed at once.
     */
    @Bean(destroyMethod = "shutdownNow")
    static ScheduledExecutorService connectionDeadlines(MeterRegistry meters) {
        return NamedThreads.scheduled("connection-deadlines", meters);
    }

    /**
     * With a JWKS, the hellos and {@code auth} frames whose token may make the node fetch the issuer's
     * key set, each on a virtual thread of its own: the wait is the issuer's, not Jetty's threads'.
     * No thread until one comes.
     */
    @Bean(destroyMethod = "shutdownNow")
    static ExecutorService issuerWaits(MeterRegistry meters) {
        return NamedThreads.virtual("issuer-waits", meters);
    }

    /** Drops connections whose close cannot get through (a peer that reads nothing); idle otherwise. */
    @Bean(destroyMethod = "shutdownNow")
    static ScheduledExecutorService outboxTimeouts(MeterRegistry meters) {
        return NamedThreads.scheduled("outbox-timeouts", meters);
    }
}
