package io.switchboard.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.sun.net.httpserver.HttpServer;
import io.switchboard.protocol.CloseCodes;
import io.switchboard.support.ChatClient;
import io.switchboard.support.Node;
import io.switchboard.support.Tokens;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Tokens checked against the issuer's key set (JWKS), served by the JDK's HTTP server, which counts
 * the fetches: what clients send cannot make a node fetch the key set more often than its rate
 * limit allows, a key the issuer rotates in is taken, and an issuer that is down or never answers
 * neither stops a node from starting nor holds a {@code hello} beyond the fetch timeouts.
 */
class JwksTests {

    private static final Duration HOUR = Duration.ofHours(1);

    private static RSAKey issuerKey;
    private static RSAKey rotatedKey;
    /** Signs tokens whose key ids the issuer never published. */
    private static RSAKey strangerKey;

    @BeforeAll
    static void keys() throws Exception {
        issuerKey = new RSAKeyGenerator(2048).keyID("k1").generate();
        rotatedKey = new RSAKeyGenerator(2048).keyID("k2").generate();
        strangerKey = new RSAKeyGenerator(2048).keyID("stranger").generate();
    }

    @Test
    void authFramesWithUnknownKeyIdsOnOneConnectionFetchTheKeySetAtMostTwice() throws Exception {
        // the auth frames' own rate limit raised out of reach: what is counted here is the key set's fetches
        try (Issuer issuer = Issuer.serving(issuerKey);
             Node node = node(issuer.uri(), "switchboard.auth.jwt.jwks-refetch-interval=10m",
                     "switchboard.auth.jwt.jwks-cache-ttl=1h", "switchboard.limits.other-burst=1000");
             ChatClient ada = ChatClient.connectWithToken(node.port(), token(issuerKey, "ada-id"))) {
            for (int i = 0; i < 50; i++) {
                ada.send(Map.of("type", "auth", "token", token(unknownKeyId(i), "ada-id"), "ref", "a" + i));
            }
            Map<String, Object> refused = null;
            for (int i = 0; i < 50; i++) {
                String ref = "a" + i;
                refused = ada.await(f -> "error".equals(f.get("type")) && ref.equals(f.get("ref")));
                assertThat(refused).containsEntry("code", "unauthorized");
            }
            assertThat((String) refused.get("message")).contains("fetched too recently");
            assertThat(issuer.fetches()).as("fetches of the key set").isLessThanOrEqualTo(2);

            ada.send(Map.of("type", "auth", "token", token(issuerKey, "ada-id"), "ref", "fresh"));
            assertThat(ada.await("auth_ok")).containsEntry("ref", "fresh");
            assertThat(issuer.fetches()).as("fetches of the key set").isLessThanOrEqualTo(2);
        }
    }

    @Test
    void hellosWithUnknownKeyIdsOnManyConnectionsFetchTheKeySetAtMostTwice() throws Exception {
        try (Issuer issuer = Issuer.serving(issuerKey);
             Node node = node(issuer.uri(), "switchboard.auth.jwt.jwks-refetch-interval=10m",
                     "switchboard.auth.jwt.jwks-cache-ttl=1h")) {
            List<ChatClient> strangers = new ArrayList<>();
            try {
                for (int i = 0; i < 20; i++) { // all hellos in flight together
                    ChatClient stranger = ChatClient.connectRaw(node.port());
                    strangers.add(stranger);
                    stranger.send(Map.of("type", "hello", "token", token(unknownKeyId(i), "eve-id"), "ref", "h" + i));
                }
                for (ChatClient stranger : strangers) {
                    assertThat(stranger.await("error")).containsEntry("code", "unauthorized");
                    assertThat(stranger.closeCode()).isEqualTo(CloseCodes.UNAUTHORIZED);
                }
            } finally {
                strangers.forEach(ChatClient::close);
            }
            assertThat(issuer.fetches()).as("fetches of the key set").isLessThanOrEqualTo(2);

            try (ChatClient ada = ChatClient.connectWithToken(node.port(), token(issuerKey, "ada-id"))) {
                assertThat(ada.join("lobby")).containsEntry("type", "joined");
            }
            assertThat(issuer.fetches()).as("fetches of the key set").isLessThanOrEqualTo(2);
        }
    }

    @Test
    void aKeyTheIssuerRotatesInIsTakenOnceTheRefetchIntervalHasPassed() throws Exception {
        try (Issuer issuer = Issuer.serving(issuerKey);
             Node node = node(issuer.uri(), "switchboard.auth.jwt.jwks-refetch-interval=300ms")) {
            assertThat(helloTakes(node, token(issuerKey, "ada-id"))).isTrue();
            for (int i = 0; i < 3; i++) { // spends this interval's fetches
                assertThat(helloTakes(node, token(unknownKeyId(i), "eve-id"))).isFalse();
            }

            issuer.serve(rotatedKey);
            await("a token signed with the rotated key taken").atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(25))
                    .until(() -> helloTakes(node, token(rotatedKey, "ada-id")));
            assertThat(helloTakes(node, token(issuerKey, "ada-id"))).as("the retired key").isFalse();
        }
    }

    @Test
    void anIssuerThatNeverAnswersCostsAHelloNoMoreThanTheFetchTimeouts() throws Exception {
        try (Issuer issuer = Issuer.serving(issuerKey);
             Node node = node(issuer.uri(), "switchboard.auth.jwt.jwks-connect-timeout=500ms",
                     "switchboard.auth.jwt.jwks-read-timeout=500ms", "switchboard.auth.jwt.jwks-refetch-interval=10m",
                     "switchboard.auth.jwt.jwks-cache-ttl=1h")) {
            issuer.stopAnswering(); // it accepts the request and never answers it
            List<ChatClient> clients = new ArrayList<>();
            try {
                for (int i = 0; i < 5; i++) { // one fetches, the others wait for it, all give up in time
                    ChatClient client = ChatClient.connectRaw(node.port());
                    clients.add(client);
                    client.send(Map.of("type", "hello", "token", token(issuerKey, "ada-id"), "ref", "h" + i));
                }
                for (ChatClient client : clients) { // within ChatClient.TIMEOUT, far less than the hang
                    assertThat(client.await("error")).containsEntry("code", "unauthorized");
                    assertThat(client.closeCode()).isEqualTo(CloseCodes.UNAUTHORIZED);
                }
            } finally {
                clients.forEach(ChatClient::close);
            }
            assertThat(issuer.fetches()).as("fetches of the key set").isLessThanOrEqualTo(2);
        }
    }

    @Test
    void aHelloWaitingForTheIssuerHoldsUpNoOtherConnection() throws Exception {
        // one selector thread, as on a 2-core machine: a frame whose handling waits there would stall every connection
        try (Issuer issuer = Issuer.serving(issuerKey);
             Node node = node(issuer.uri(), "switchboard.auth.jwt.jwks-connect-timeout=1s",
                     "switchboard.auth.jwt.jwks-read-timeout=60s", "switchboard.auth.jwt.jwks-refetch-interval=10m",
                     "switchboard.auth.jwt.jwks-cache-ttl=1h", "server.jetty.threads.selectors=1");
             ChatClient ada = ChatClient.connectWithToken(node.port(), token(issuerKey, "ada-id"));
             ChatClient eve = ChatClient.connectRaw(node.port())) {
            issuer.stopAnswering();
            eve.send(Map.of("type", "hello", "token", token(unknownKeyId(0), "eve-id"), "ref", "h"));
            await("eve's hello fetching the key set").atMost(ChatClient.TIMEOUT).until(() -> issuer.fetches() == 2);

            ada.send(Map.of("type", "ping", "ref", "p")); // answered long before the fetch could time out
            assertThat(ada.await("pong")).containsEntry("ref", "p");
            assertThat(eve.isClosed()).as("eve still waiting for the issuer").isFalse();

            issuer.letHeldRequestsGo(); // answered without a key set: the fetch fails
            assertThat(eve.await("error")).containsEntry("code", "unauthorized");
        }
    }

    @Test
    void hellosWaitingForTheIssuerHoldUpNoOtherConnectionWhenTheyOutnumberJettysThreads() throws Exception {
        // Jetty on platform threads runs at most server.jetty.threads.max tasks at once: 30 hellos
        // waiting for the issuer on Jetty's threads would take all 16, and no other frame would be read
        try (Issuer issuer = Issuer.serving(issuerKey);
             Node node = node(issuer.uri(), "switchboard.auth.jwt.jwks-connect-timeout=1s",
                     "switchboard.auth.jwt.jwks-read-timeout=60s", "switchboard.auth.jwt.jwks-refetch-interval=10m",
                     "switchboard.auth.jwt.jwks-cache-ttl=1h", "server.jetty.threads.selectors=1",
                     "server.jetty.threads.max=16", "spring.threads.virtual.enabled=false");
             ChatClient ada = ChatClient.connectWithToken(node.port(), token(issuerKey, "ada-id"))) {
            issuer.stopAnswering();
            List<ChatClient> waiting = new ArrayList<>();
            try {
                for (int i = 0; i < 30; i++) { // one fetches, the others wait for that fetch
                    ChatClient client = ChatClient.connectRaw(node.port());
                    waiting.add(client);
                    client.send(Map.of("type", "hello", "token", token(unknownKeyId(i), "eve-" + i), "ref", "h" + i));
                }
                await("a hello fetching the key set").atMost(ChatClient.TIMEOUT).until(() -> issuer.fetches() == 2);

                ada.send(Map.of("type", "ping", "ref", "p"));
                assertThat(ada.await("pong")).containsEntry("ref", "p");
                assertThat(ada.join("lobby")).containsEntry("type", "joined");
                assertThat(waiting).as("still waiting for the issuer").noneMatch(ChatClient::isClosed);

                issuer.letHeldRequestsGo(); // answered without a key set: the fetch fails, and every hello with it
                for (ChatClient client : waiting) {
                    assertThat(client.await("error")).containsEntry("code", "unauthorized");
                }
            } finally {
                waiting.forEach(ChatClient::close);
            }
        }
    }

    @Test
    void aNodeStartsWhileItsIssuerIsDownAndTakesTokensOnceItIsUp() throws Exception {
        int port = freePort();
        try (Node node = node("http://127.0.0.1:" + port + "/jwks", "switchboard.auth.jwt.jwks-refetch-interval=300ms")) {
            assertThat(helloTakes(node, token(issuerKey, "ada-id"))).as("while the issuer is down").isFalse();
            try (Issuer issuer = Issuer.serving(port, issuerKey)) {
                await("a token taken once the issuer is up").atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(25))
                        .until(() -> helloTakes(node, token(issuerKey, "ada-id")));
            }
        }
    }

    @Test
    void aNodeWhoseRefetchIntervalIsNotShorterThanItsCacheTtlDoesNotStart() {
        assertThatThrownBy(() -> node("http://127.0.0.1:1/jwks", "switchboard.auth.jwt.jwks-refetch-interval=5m",
                "switchboard.auth.jwt.jwks-cache-ttl=5m").close())
                .hasStackTraceContaining("jwks-refetch-interval must be positive and shorter than");
    }

    /** Whether a connection saying hello with {@code token} is let in (else it is refused: unauthorized). */
    private static boolean helloTakes(Node node, String token) {
        try (ChatClient client = ChatClient.connectRaw(node.port())) {
            client.send(Map.of("type", "hello", "token", token));
            Map<String, Object> answer = client.await(f -> "hello_ok".equals(f.get("type")) || "error".equals(f.get("type")));
            if ("error".equals(answer.get("type"))) {
                assertThat(answer).containsEntry("code", "unauthorized");
                return false;
            }
            return true;
        }
    }

    private static Node node(String jwkSetUri, String... more) {
        return Node.inMemory(Stream.concat(Stream.of("switchboard.auth.mode=jwt",
                "switchboard.auth.jwt.jwk-set-uri=" + jwkSetUri, "switchboard.auth.jwt.issuer=" + Tokens.ISSUER,
                "switchboard.auth.jwt.audience=" + Tokens.AUDIENCE), Stream.of(more)).toArray(String[]::new));
    }

    private static String token(RSAKey key, String user) {
        return Tokens.sign(Tokens.claims(user, user, HOUR, List.of()).build(), key);
    }

    /** A key whose id {@code unknown-<i>} the issuer never published. */
    private static RSAKey unknownKeyId(int i) {
        return new RSAKey.Builder(strangerKey).keyID("unknown-" + i).build();
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            return socket.getLocalPort();
        }
    }

    /**
     * The issuer's JWKS endpoint on the JDK's HTTP server: serves the public keys it is given, counts
     * the requests, and can stop answering (a request is read, and held until the issuer closes).
     */
    private static final class Issuer implements AutoCloseable {

        private final ExecutorService handlers = Executors.newVirtualThreadPerTaskExecutor();
        private final AtomicInteger fetches = new AtomicInteger();
        /** Held requests wait for it: the issuer's close, or {@link #letHeldRequestsGo}. */
        private final CountDownLatch held = new CountDownLatch(1);
        private final HttpServer server;
        private volatile byte[] keySet;
        private volatile boolean answering = true;

        private Issuer(int port, RSAKey... keys) throws IOException {
            serve(keys);
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 0);
            server.setExecutor(handlers);
            server.createContext("/jwks", exchange -> {
                fetches.incrementAndGet();
                try {
                    if (!answering) {
                        held.await();
                        return;
                    }
                    byte[] body = keySet;
                    exchange.getResponseHeaders().add("Content-Type", "application/json");
                    exchange.sendResponseHeaders(200, body.length);
                    exchange.getResponseBody().write(body);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } finally {
                    exchange.close();
                }
            });
            server.start();
        }

        static Issuer serving(RSAKey... keys) throws IOException {
            return new Issuer(0, keys);
        }

        static Issuer serving(int port, RSAKey... keys) throws IOException {
            return new Issuer(port, keys);
        }

        /** From now on the key set holds these public keys only. */
        void serve(RSAKey... keys) {
            keySet = new JWKSet(Stream.of(keys).<JWK>map(RSAKey::toPublicJWK).toList())
                    .toString().getBytes(StandardCharsets.UTF_8);
        }

        void stopAnswering() {
            answering = false;
        }

        /** Ends the requests held since {@link #stopAnswering} without an answer. */
        void letHeldRequestsGo() {
            held.countDown();
        }

        int fetches() {
            return fetches.get();
        }

        String uri() {
            return "http://127.0.0.1:" + server.getAddress().getPort() + "/jwks";
        }

        @Override
        public void close() {
            held.countDown();
            server.stop(0);
            handlers.close();
        }
    }
}
