package io.switchboard.session;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.switchboard.protocol.EncodedFrame;
import io.switchboard.protocol.FrameCodec;
import io.switchboard.support.ManualScheduler;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.springframework.web.socket.CloseStatus;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A real {@link Connections} whose connections sit on sockets of the test's instead of Jetty's, for
 * tests of what moves them from outside this package (the drain). Moves are paced, and outboxes
 * time out, on the {@link ManualScheduler}'s clock. A connection told to move gets its {@code
 * reconnect} frame written at once, and its close completes at once (the client closes in answer)
 * and takes it off the node as {@code ChatHandler} does; with {@link #holdCloses()} the closes wait
 * for {@link #finishHeldCloses()}. Used on the test's thread only.
 */
public final class ConnectionsWithFakeSockets {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final ManualScheduler scheduler;
    private final FrameCodec codec = new FrameCodec(100);
    private final Connections connections;
    private final List<String> reconnects = new ArrayList<>();
    private final List<Socket> closing = new ArrayList<>();
    private boolean holdCloses;
    private int opened;

    public ConnectionsWithFakeSockets(ManualScheduler scheduler) {
        this.scheduler = scheduler;
        this.connections = new Connections(codec, scheduler, new SimpleMeterRegistry(), scheduler::nanoTime);
    }

    public Connections connections() {
        return connections;
    }

    /** Opens {@code count} more connections. */
    public void open(int count) {
        for (int i = 0; i < count; i++) {
            Socket socket = new Socket();
            Outbox outbox = new Outbox(socket, 1_000, 1_000_000, Duration.ofSeconds(10), scheduler, () -> {
            }, scheduler::nanoTime);
            RateLimiter unused = new RateLimiter(1, 1, scheduler.nanoTime());
            socket.connection = new Connection("c" + opened++, "127.0.0.1", outbox, unused, unused, unused, unused,
                    new NewRoomRates(new KeyedRates(1, 1), new KeyedRates(1, 1)));
            connections.add(socket.connection);
        }
    }

    /** The {@code reason} of every {@code reconnect} frame the connections were sent, in order. */
    public List<String> reconnectReasons() {
        return List.copyOf(reconnects);
    }

    /** From now on a close waits for {@link #finishHeldCloses()}: the connection stays open meanwhile. */
    public void holdCloses() {
        holdCloses = true;
    }

    /** Completes the closes held so far, and lets later ones complete at once. */
    public void finishHeldCloses() {
        holdCloses = false;
        closing.forEach(Socket::closed);
        closing.clear();
    }

    /** A socket that writes at once and records the reconnect frames it writes. */
    private final class Socket implements Wire {
        private Connection connection;
        private boolean open = true;

        @Override
        public void send(EncodedFrame frame, Done done) {
            JsonNode json = JSON.readTree(frame.text());
            if (json.path("type").asString().equals("reconnect")) {
                reconnects.add(json.path("reason").asString());
            }
            done.written();
        }

        @Override
        public void ping(Done done) {
            done.written();
        }

        @Override
        public void pong(ByteBuffer payload, Done done) {
            done.written();
        }

        @Override
        public void close(CloseStatus status) {
            open = false;
            if (holdCloses) {
                closing.add(this);
            } else {
                closed();
            }
        }

        /** The close handshake is over: the node drops the connection. */
        void closed() {
            connections.remove(connection);
            connections.ended(Connections.SERVICE_RESTART.getCode());
        }

        @Override
        public void abort() {
            open = false;
        }

        @Override
        public boolean isOpen() {
            return open;
        }
    }
}
