package io.switchboard.drain;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.switchboard.cluster.NodeState;
import io.switchboard.cluster.NodeView;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The watch on a clock of the test's, with a peer that is a real HTTP server answering its broker
 * health as the test says: readiness follows the broker after a second, clients move only when a
 * peer reaches Redis (a partition), never in an outage, and not for a peer merely faster to reconnect.
 */
class CutOffWatchTests {

    private final AtomicLong now = new AtomicLong();
    private final AtomicBoolean available = new AtomicBoolean(true);
    private final AtomicBoolean peerUp = new AtomicBoolean(true);
    private final List<String> actions = new ArrayList<>();
    private HttpServer peer;
    private CutOffWatch watch;

    @BeforeEach
    void start() throws IOException {
        peer = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        peer.createContext("/actuator/health/broker", exchange -> {
            byte[] body = ("{\"status\":\"" + (peerUp.get() ? "UP" : "DOWN") + "\"}").getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(peerUp.get() ? 200 : 503, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        peer.start();
        NodeView other = new NodeView("n2", NodeState.READY, "v", "127.0.0.1:8080", 3, Instant.EPOCH, Instant.EPOCH,
                "127.0.0.1:" + peer.getAddress().getPort());
        watch = new CutOffWatch(available::get, () -> List.of(other), new CutOffWatch.Actions() {
            @Override
            public void brokerLost(boolean lost) {
                actions.add(lost ? "lost" : "back");
            }

            @Override
            public void moveAwayCutOff() {
                actions.add("move");
            }
        }, Duration.ofSeconds(5), Duration.ofSeconds(2), now::get, new SimpleMeterRegistry());
    }

    @AfterEach
    void stop() {
        peer.stop(0);
    }

    /** Advances the clock by {@code millis}, looking every half second as the watch does. */
    private void run(long millis) {
        for (long t = 0; t < millis; t += 500) {
            now.addAndGet(Duration.ofMillis(500).toNanos());
            watch.check();
        }
    }

    @Test
    void readinessFollowsTheBrokerAfterASecondAndABlipChangesNothing() {
        available.set(false);
        run(500);
        available.set(true);
        run(1000);
        assertThat(actions).as("a blip").isEmpty();

        available.set(false);
        run(1500);
        assertThat(actions).containsExactly("lost");
        available.set(true);
        run(500);
        assertThat(actions).containsExactly("lost", "back");
    }

    @Test
    void inAnOutageNoClientIsMoved() {
        peerUp.set(false);
        available.set(false);
        run(60_000);
        assertThat(actions).doesNotContain("move").contains("lost");
    }

    @Test
    void cutOffWhileAPeerReachesRedisItsClientsMoveAfterTheGraceAndThePeersProof() {
        available.set(false);
        run(5_000);
        assertThat(actions).as("within the grace").doesNotContain("move");
        run(2_500); // a peer up since the grace ended, for less than the backoff and a second
        assertThat(actions).doesNotContain("move");
        run(1_000);
        assertThat(actions).contains("move");
    }

    @Test
    void aPeerThatWasMerelyFasterToReconnectMovesNobody() {
        peerUp.set(false);
        available.set(false);
        run(6_000); // an outage
        peerUp.set(true); // Redis is back; the peer reconnected first
        run(2_000);
        available.set(true); // and this node within its backoff
        run(500);
        assertThat(actions).doesNotContain("move").endsWith("back");
    }
}
