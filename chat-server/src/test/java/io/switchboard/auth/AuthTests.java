package io.switchboard.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.switchboard.support.PresenceFrames;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.SignedJWT;
import com.sun.net.httpserver.HttpServer;
import io.switchboard.protocol.CloseCodes;
import io.switchboard.support.ChatClient;
import io.switchboard.support.Command;
import io.switchboard.support.Node;
import io.switchboard.support.Tokens;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@code switchboard.auth.mode=jwt} on a real node: who connects, for how long, and where they may go. */
class AuthTests {

    private static Node node;

    @BeforeAll
    static void start() {
        node = Node.inMemory(Tokens.jwtNode("switchboard.auth.public-rooms=lobby,public-*",
                "switchboard.auth.jwt.clock-skew=0s"));
    }

    @AfterAll
    static void stop() {
        node.close();
    }

    @Test
    void theUserAndNameComeFromTheTokenAndTravelWithPresenceAndMessages() {
        try (ChatClient ada = ChatClient.connectRaw(node.port());
             ChatClient bob = ChatClient.connectWithToken(node.port(), Tokens.token("bob-id", "Bob", Duration.ofHours(1), List.of()))) {
            String token = Tokens.token("ada-id", "Ada Lovelace", Duration.ofHours(1), List.of());
            ada.send(Map.of("type", "hello", "token", token, "name", "Somebody Else", "ref", "h1"));
            Map<String, Object> hello = ada.await("hello_ok");
            assertThat(hello).containsEntry("user", "ada-id").containsEntry("name", "Ada Lovelace")
                    .containsEntry("anonymous", false).containsEntry("ref", "h1");
            assertThat(((Number) hello.get("expiresAt")).longValue())
                    .isBetween(Instant.now().plusSeconds(3500).toEpochMilli(), Instant.now().plusSeconds(3700).toEpochMilli());

            bob.join("lobby");
            ada.join("lobby");
            Map<String, Object> adaJoined = bob.await(f -> PresenceFrames.announces(f, "join", "name", "Ada Lovelace"));
            assertThat(PresenceFrames.announced(adaJoined, "join")).filteredOn(member -> "Ada Lovelace".equals(member.get("name")))
                    .singleElement().satisfies(member -> assertThat(member.get("user")).isEqualTo("ada-id"));
            ada.say("lobby", "hi", "m1");
            assertThat(bob.messages("lobby", 1).getFirst()).containsEntry("fromUser", "ada-id")
                    .containsEntry("fromName", "Ada Lovelace");
        }
    }

    @Test
    void aTokenThatProvesNothingGetsUnauthorizedAndTheConnectionIsClosedWith4001() {
        Duration hour = Duration.ofHours(1);
        Map<String, String> refused = Map.of(
                "expired", Tokens.token("ada-id", "Ada", Duration.ofMinutes(-5), List.of()),
                "badly signed", Tokens.sign(Tokens.claims("ada-id", "Ada", hour, List.of()).build(),
                        "another-secret-of-at-least-32-bytes"),
                "another issuer", Tokens.sign(Tokens.claims("ada-id", "Ada", hour, List.of())
                        .issuer("https://elsewhere.test").build(), Tokens.SECRET),
                "another audience", Tokens.sign(Tokens.claims("ada-id", "Ada", hour, List.of())
                        .audience("another-service").build(), Tokens.SECRET),
                "without exp", Tokens.sign(Tokens.claims("ada-id", "Ada", hour, List.of())
                        .expirationTime(null).build(), Tokens.SECRET),
                "not a token", "not.a.token");
        refused.forEach((why, token) -> {
            try (ChatClient client = ChatClient.connectRaw(node.port())) {
                client.send(Map.of("type", "hello", "token", token, "ref", "h"));
                assertThat(client.await("error")).as(why).containsEntry("code", "unauthorized").containsEntry("ref", "h");
                assertThat(client.closeCode()).as(why).isEqualTo(CloseCodes.UNAUTHORIZED);
            }
        });
        try (ChatClient nameOnly = ChatClient.connectRaw(node.port())) {
            nameOnly.send(Map.of("type", "hello", "name", "Ada"));
            assertThat(nameOnly.await("error")).containsEntry("code", "unauthorized");
            assertThat(nameOnly.closeCode()).isEqualTo(CloseCodes.UNAUTHORIZED);
        }
    }

    @Test
    void aConnectionLivesUntilItsTokenExpiresUnlessItIsRefreshedInTime() {
        try (ChatClient lapsed = ChatClient.connectWithToken(node.port(), Tokens.token("ada-id", "Ada", Duration.ofSeconds(3), List.of()));
             ChatClient kept = ChatClient.connectWithToken(node.port(), Tokens.token("bob-id", "Bob", Duration.ofSeconds(3), List.of()))) {
            kept.send(Map.of("type", "auth", "token", Tokens.token("carol-id", "Carol", Duration.ofHours(1), List.of()), "ref", "a0"));
            assertThat(kept.await("error")).containsEntry("code", "unauthorized").containsEntry("ref", "a0"); // another user

            kept.send(Map.of("type", "auth", "token", Tokens.token("bob-id", "Bob", Duration.ofHours(1), List.of()), "ref", "a1"));
            assertThat(((Number) kept.await("auth_ok").get("expiresAt")).longValue())
                    .isGreaterThan(Instant.now().plusSeconds(3000).toEpochMilli());

            assertThat(lapsed.closeCode()).isEqualTo(CloseCodes.UNAUTHORIZED); // after its three seconds
            kept.send(Map.of("type", "ping", "ref", "still"));
            assertThat(kept.await("pong")).containsEntry("ref", "still");
            assertThat(kept.isClosed()).isFalse();
        }
    }

    @Test
    void aRefreshedTokenThatGrantsFewerRoomsLeavesTheOthers() {
        String both = Tokens.token("ada-id", "Ada", Duration.ofHours(1), List.of("team-a", "team-b"));
        String teamBOnly = Tokens.token("carol-id", "Carol", Duration.ofHours(1), List.of("team-b"));
        try (ChatClient ada = ChatClient.connectWithToken(node.port(), both);
             ChatClient carol = ChatClient.connectWithToken(node.port(), teamBOnly)) {
            ada.join("team-a");
            ada.join("team-b");
            carol.join("team-b");
            ada.await(f -> PresenceFrames.announces(f, "join", "name", "Carol"));
            // what came before the refresh, up to the answer to a ping: replies and room frames share one outbox
            ada.send(Map.of("type", "ping", "ref", "before-refresh"));
            ada.until(f -> "pong".equals(f.get("type")) && "before-refresh".equals(f.get("ref")));

            ada.send(Map.of("type", "auth", "token", Tokens.token("ada-id", "Ada", Duration.ofHours(1), List.of("team-a")),
                    "ref", "fewer"));
            assertThat(ada.await("auth_ok")).containsEntry("ref", "fewer");
            Map<String, Object> left = ada.await("left");
            assertThat(left).containsEntry("room", "team-b").containsEntry("reason", "forbidden").doesNotContainKey("ref");
            assertThat(carol.await(f -> PresenceFrames.announcesAny(f, "leave")))
                    .containsEntry("room", "team-b");

            carol.send(Map.of("type", "typing", "room", "team-b"));
            carol.say("team-b", "after Ada lost the room", "c1");
            carol.say("team-b", "and once more", "c2");
            // Carol has her second message: the room's lane, one thread, has handed the first to every member
            assertThat(carol.messages("team-b", 2)).extracting(m -> m.get("text"))
                    .containsExactly("after Ada lost the room", "and once more");
            // the end marker: Ada's own message of team-a, handed to her outbox after that, and her outbox keeps order
            ada.say("team-a", "the end marker", "a1");
            assertThat(ada.until(ChatClient.message("team-a", "the end marker")))
                    .noneMatch(f -> "team-b".equals(f.get("room")));
            ada.send(Map.of("type", "send", "room", "team-b", "text", "back door", "clientMsgId", "x", "ref", "s"));
            assertThat(ada.await("error")).containsEntry("code", "not_joined").containsEntry("ref", "s");
        }
    }

    @Test
    void roomsArePublicByPatternOrGrantedByTheTokensRoomsClaim() {
        String token = Tokens.token("ada-id", "Ada", Duration.ofHours(1), List.of("team-a", "dm:ada:*"));
        try (ChatClient ada = ChatClient.connectWithToken(node.port(), token);
             ChatClient bob = ChatClient.connectWithToken(node.port(), Tokens.token("bob-id", "Bob", Duration.ofHours(1), List.of()))) {
            for (String room : List.of("lobby", "public-42", "team-a", "dm:ada:bob")) {
                assertThat(ada.join(room)).as(room).containsEntry("type", "joined");
            }
            for (String room : List.of("team-b", "dm:bob:ada", "lobby2")) {
                ada.send(Map.of("type", "join", "room", room, "ref", room));
                assertThat(ada.await("error")).as(room).containsEntry("code", "forbidden").containsEntry("ref", room);
            }
            bob.send(Map.of("type", "join", "room", "team-a", "ref", "b"));
            assertThat(bob.await("error")).containsEntry("code", "forbidden");
            bob.send(Map.of("type", "history", "room", "team-a", "ref", "h"));
            assertThat(bob.await("error")).containsEntry("code", "not_joined");
            // nothing of team-a reaches Bob: no presence, typing or message
            bob.join("lobby");
            ada.send(Map.of("type", "typing", "room", "team-a"));
            ada.say("team-a", "secret plans", "p1");
            ada.say("team-a", "more plans", "p2");
            // Ada has her second message: team-a's lane, one thread, has handed the typing and the first to
            // every member; the end marker, a message of the lobby, reaches Bob's outbox after that
            assertThat(ada.messages("team-a", 2)).extracting(m -> m.get("text")).containsExactly("secret plans", "more plans");
            ada.say("lobby", "the end marker", "l1");
            assertThat(bob.until(ChatClient.message("lobby", "the end marker")))
                    .noneMatch(f -> "team-a".equals(f.get("room")));
        }
    }

    @Test
    void aUsersConnectionsShareOneMessageBudget() {
        try (Node limited = Node.inMemory(Tokens.jwtNode("switchboard.limits.user-burst=3",
                "switchboard.limits.user-messages-per-second=0.01"))) {
            String token = Tokens.token("ada-id", "Ada", Duration.ofHours(1), List.of());
            try (ChatClient phone = ChatClient.connectWithToken(limited.port(), token);
                 ChatClient laptop = ChatClient.connectWithToken(limited.port(), token);
                 ChatClient bob = ChatClient.connectWithToken(limited.port(), Tokens.token("bob-id", "Bob", Duration.ofHours(1), List.of()))) {
                for (ChatClient client : List.of(phone, laptop, bob)) {
                    client.join("lobby");
                }
                phone.say("lobby", "one", "p1");
                phone.say("lobby", "two", "p2");
                laptop.say("lobby", "three", "l1");
                laptop.send(Map.of("type", "send", "room", "lobby", "text", "four", "clientMsgId", "l2", "ref", "l2"));
                Map<String, Object> refused = laptop.await("error");
                assertThat(refused).containsEntry("code", "rate_limited").containsEntry("ref", "l2");
                assertThat(((Number) refused.get("retryAfterMs")).longValue()).isPositive();
                assertThat(bob.say("lobby", "Bob has his own", "b1")).containsEntry("duplicate", false);
            }
        }
    }

    @Test
    void anAnonymousConnectionIsMarkedSoAndKeptToThePublicRooms() {
        try (Node open = Node.inMemory("switchboard.auth.public-rooms=lobby");
             ChatClient guest = ChatClient.connectRaw(open.port())) {
            guest.send(Map.of("type", "hello", "name", "Guest"));
            assertThat(guest.await("hello_ok")).containsEntry("anonymous", true).doesNotContainKey("user")
                    .doesNotContainKey("expiresAt");
            Map<String, Object> joined = guest.join("lobby");
            assertThat((List<?>) joined.get("members")).singleElement()
                    .satisfies(member -> assertThat(((Map<?, ?>) member).containsKey("user")).isFalse());
            guest.send(Map.of("type", "join", "room", "staff"));
            assertThat(guest.await("error")).containsEntry("code", "forbidden");
            guest.send(Map.of("type", "auth", "token", "x"));
            assertThat(guest.await("error")).containsEntry("code", "bad_frame");
        }
    }

    @Test
    void theTokenToolMakesATokenANodeTakes() {
        Command.require("openssl");
        Command.Result made = Command.run(List.of("scripts/token", "--secret", Tokens.SECRET, "--issuer", Tokens.ISSUER,
                "--audience", Tokens.AUDIENCE, "--sub", "ada-id", "--name", "Ada", "--rooms", "team-* dm:ada:*"), Map.of(), 10);
        assertThat(made.exitCode()).as(made.output()).isZero();
        try (ChatClient ada = ChatClient.connectWithToken(node.port(), made.output().strip())) {
            assertThat(ada.join("team-7")).containsEntry("type", "joined");
        }
    }

    @Test
    void tokensSignedWithAKeyFromTheIssuersJwksAreTaken() throws Exception {
        RSAKey key = new RSAKeyGenerator(2048).keyID("k1").generate();
        HttpServer issuer = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        byte[] jwks = new JWKSet(key.toPublicJWK()).toString().getBytes(StandardCharsets.UTF_8);
        issuer.createContext("/jwks", exchange -> {
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, jwks.length);
            exchange.getResponseBody().write(jwks);
            exchange.close();
        });
        issuer.start();
        try (Node jwksNode = Node.inMemory("switchboard.auth.mode=jwt",
                "switchboard.auth.jwt.jwk-set-uri=http://127.0.0.1:" + issuer.getAddress().getPort() + "/jwks",
                "switchboard.auth.jwt.issuer=" + Tokens.ISSUER, "switchboard.auth.jwt.audience=" + Tokens.AUDIENCE)) {
            SignedJWT signed = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID("k1").build(),
                    Tokens.claims("ada-id", "Ada", Duration.ofHours(1), List.of()).build());
            signed.sign(new RSASSASigner(key));
            try (ChatClient ada = ChatClient.connectWithToken(jwksNode.port(), signed.serialize())) {
                assertThat(ada.join("lobby")).containsEntry("type", "joined");
            }
            try (ChatClient forged = ChatClient.connectRaw(jwksNode.port())) { // HS256: this node takes only the issuer's RS256 keys
                forged.send(Map.of("type", "hello", "token", Tokens.token("ada-id", "Ada", Duration.ofHours(1), List.of())));
                assertThat(forged.await("error")).containsEntry("code", "unauthorized");
            }
        } finally {
            issuer.stop(0);
        }
    }

    @Test
    void aNodeInJwtModeWithoutIssuerAndAudienceDoesNotStart() {
        assertThatThrownBy(() -> Node.inMemory("switchboard.auth.mode=jwt", "switchboard.auth.jwt.secret=" + Tokens.SECRET)
                .close()).hasStackTraceContaining("switchboard.auth.jwt.issuer and switchboard.auth.jwt.audience");
    }
}
