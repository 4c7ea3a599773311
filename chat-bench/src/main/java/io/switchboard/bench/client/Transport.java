package io.switchboard.bench.client;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.transport.HttpClientTransportOverHTTP;
import org.eclipse.jetty.io.ArrayByteBufferPool;
import org.eclipse.jetty.util.thread.ScheduledExecutorScheduler;
import org.eclipse.jetty.websocket.core.Configuration;
import org.eclipse.jetty.websocket.core.client.CoreClientUpgradeRequest;
import org.eclipse.jetty.websocket.core.client.UpgradeListener;
import org.eclipse.jetty.websocket.core.client.WebSocketCoreClient;

/**
 * Opens the benchmark's WebSocket connections: one Jetty {@link WebSocketCoreClient} per local
 * source address, all sharing a few I/O threads ({@link IoThreads}), one scheduler and one buffer pool.
 * Connections are selector-driven (no thread per connection) and read into small buffers, so tens
 * of thousands fit in one JVM; several source addresses (127.0.0.2, 127.0.0.3, ...) multiply the
 * ~28,000 ephemeral ports one address offers towards one server port.
 *
 * <p>Built for a cheap receive path, so that the generator measures the servers and not itself:
 * <ul>
 *   <li>Jetty's WebSocket <em>core</em> client, not its WebSocket API: a {@link TextSocket} gets
 *       each message's bytes as read, where the API decodes every text frame into a
 *       {@code String} character by character before the member could look at it.</li>
 *   <li>A message is handled on the selector thread that read it ({@link IoThreads}), with
 *       {@value #SELECTORS} selector thread(s) per client: handing frames from thread to thread
 *       cost more than the frames, and on a small machine the threads are not there to use.</li>
 * </ul>
 *
 * <p>With {@code deflate} on, every handshake offers permessage-deflate as Chrome and Firefox do
 * ({@code client_max_window_bits}), so a server that accepts compression from browsers pays for it
 * here too (and Jetty inflates what it sends before a member sees it), plus
 * {@code server_no_context_takeover}: Jetty's client configures its deflater from its own offer,
 * not from the server's answer, and reads that parameter as "do not keep my own compression
 * context". Without it the client keeps its context even when the server answers
 * {@code client_no_context_takeover}, as Switchboard does, and the server cannot inflate the
 * client's second message (1007, "invalid distance too far back"). Switchboard answers both
 * no-context-takeover parameters whatever the offer, so what it pays is what it pays for a
 * browser; a server that would keep its context for a browser is asked here not to.
 */
public final class Transport implements AutoCloseable {

    /** Large enough for any message either system sends in a benchmark. */
    private static final int MAX_MESSAGE_BYTES = 64 * 1024;
    /** Jetty's read buffer per connection: a benchmark frame (a few hundred bytes) fits. */
    private static final int INPUT_BUFFER_BYTES = 4 * 1024;
    /** Selectors, each one thread that reads, parses and handles its connections' frames, per client. */
    private static final int SELECTORS = 1;
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(15);
    /** The browsers' offer, plus the parameter that makes Jetty's client reset its own deflater (see above). */
    private static final String DEFLATE_OFFER = "permessage-deflate; client_max_window_bits; server_no_context_takeover";

    private final boolean deflate;
    private final IoThreads threads;
    private final ScheduledExecutorScheduler scheduler = new ScheduledExecutorScheduler("bench-scheduler", true);
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().name("bench-timer").daemon().factory());
    private final Configuration.ConfigurationCustomizer configuration = new Configuration.ConfigurationCustomizer();
    private final List<WebSocketCoreClient> clients = new ArrayList<>();
    private final AtomicInteger next = new AtomicInteger();

    /**
     * @param deflate offer permessage-deflate as browsers do
     * @param sourceAddresses local addresses to connect from, round-robin; empty for the system's choice
     */
    public Transport(boolean deflate, List<InetAddress> sourceAddresses) {
        this.deflate = deflate;
        List<InetAddress> sources = sourceAddresses.isEmpty() ? Collections.singletonList(null) : sourceAddresses;
        threads = new IoThreads(sources.size() * SELECTORS);
        configuration.setInputBufferSize(INPUT_BUFFER_BYTES);
        configuration.setMaxTextMessageSize(MAX_MESSAGE_BYTES);
        // idle members are the point of the capacity scenario: the client never times them out
        configuration.setIdleTimeout(Duration.ZERO);
        try {
            threads.start();
            scheduler.start();
            ArrayByteBufferPool buffers = new ArrayByteBufferPool();
            for (InetAddress source : sources) {
                clients.add(client(source, buffers));
            }
        } catch (Exception e) {
            close();
            throw new IllegalStateException("cannot start the WebSocket client: " + e, e);
        }
    }

    private WebSocketCoreClient client(InetAddress source, ArrayByteBufferPool buffers) throws Exception {
        HttpClient http = new HttpClient(new HttpClientTransportOverHTTP(SELECTORS));
        http.setExecutor(threads);
        http.setScheduler(scheduler);
        http.setByteBufferPool(buffers);
        http.setConnectTimeout(CONNECT_TIMEOUT.toMillis());
        // every WebSocket is its own HTTP connection: the defaults (64, 1024) would queue or refuse them
        http.setMaxConnectionsPerDestination(Integer.MAX_VALUE);
        http.setMaxRequestsQueuedPerDestination(Integer.MAX_VALUE);
        if (source != null) {
            http.setBindAddress(new InetSocketAddress(source, 0));
        }
        http.start(); // before the WebSocket client, which then shares its executor and buffers
        WebSocketCoreClient client = new WebSocketCoreClient(http, null);
        client.start();
        return client;
    }

    /**
     * Opens a WebSocket to {@code uri} for {@code listener}; the future fails with Jetty's
     * {@code UpgradeException} when the handshake is refused. {@code upgrade} sees the handshake's
     * response (for {@code Retry-After}).
     */
    CompletableFuture<TextSocket> connect(URI uri, TextSocket.Listener listener, UpgradeListener upgrade) {
        TextSocket socket = new TextSocket(listener, MAX_MESSAGE_BYTES);
        WebSocketCoreClient client = clients.get(Math.floorMod(next.getAndIncrement(), clients.size()));
        CoreClientUpgradeRequest request = CoreClientUpgradeRequest.from(client, uri, socket);
        request.setConfiguration(configuration);
        // the core client waits for the upgrade response without limit: a member must not hang in a handshake
        request.timeout(CONNECT_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        request.addListener(upgrade);
        if (deflate) {
            request.addExtensions(DEFLATE_OFFER);
        }
        try {
            return client.connect(request).thenApply(session -> socket);
        } catch (IOException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    @Override
    public void close() {
        for (WebSocketCoreClient client : clients) {
            try {
                client.stop();
                client.getHttpClient().stop(); // started before the client, so not stopped with it
            } catch (Exception e) {
                // stopping is best effort: the JVM is about to finish the run
            }
        }
        timer.shutdownNow();
        try {
            scheduler.stop();
            threads.close();
        } catch (Exception e) {
            // as above
        }
    }

    /** Runs {@code task} after {@code millis} on a timer thread: members wait there before reconnecting. */
    void after(long millis, Runnable task) {
        timer.schedule(task, Math.max(0, millis), TimeUnit.MILLISECONDS);
    }
}
