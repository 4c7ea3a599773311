package io.switchboard.endtoend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.switchboard.protocol.CloseCodes;
import io.switchboard.support.ChatClient;
import io.switchboard.support.Handshake;
import io.switchboard.support.Node;
import io.switchboard.support.NodeProcess;
import io.switchboard.support.Tokens;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Connections per user and per address, counted across two nodes on a real Redis. */
class ConnectionLimitTests extends OnRedis {

    @Test
    void aUserHoldsAtMostItsConnectionsAcrossTheCluster() {
        Node n1 = node("n1", Tokens.jwtNode("switchboard.limits.max-connections-per-user=2"));
        Node n2 = node("n2", Tokens.jwtNode("switchboard.limits.max-connections-per-user=2"));
        awaitClusterView(n1, n2);
        String token = Tokens.token("ada-id", "Ada", Duration.ofHours(1), List.of());
        ChatClient first = track(ChatClient.connectWithToken(n1.port(), token));
        track(ChatClient.connectWithToken(n2.port(), token));
        track(ChatClient.connectWithToken(n2.port(), Tokens.token("bob-id", "Bob", Duration.ofHours(1), List.of())));

        ChatClient third = track(ChatClient.connectRaw(n1.port()));
        third.send(Map.of("type", "hello", "token", token, "ref", "h3"));
        assertThat(third.await("error")).containsEntry("code", "too_many_connections").containsEntry("ref", "h3");
        assertThat(third.closeCode()).isEqualTo(CloseCodes.POLICY_VIOLATION);

        first.close();
        awaitCounted("user:ada-id", 1);
        ChatClient again = track(ChatClient.connectRaw(n1.port()));
        again.send(Map.of("type", "hello", "token", token));
        assertThat(again.await(f -> "hello_ok".equals(f.get("type")) || "error".equals(f.get("type"))))
                .containsEntry("type", "hello_ok");
    }

    @Test
    void anAddressHoldsAtMostItsConnectionsAcrossTheCluster() throws IOException {
        Node n1 = node("n1", "switchboard.limits.max-connections-per-ip=2");
        Node n2 = node("n2", "switchboard.limits.max-connections-per-ip=2");
        awaitClusterView(n1, n2);
        ChatClient first = track(ChatClient.connect(n1.port(), "One"));
        track(ChatClient.connect(n2.port(), "Two"));

        assertThat(Handshake.send(n2.port()).getFirst()).contains(" 429 ");
        first.close();
        awaitCounted("ip:127.0.0.1", 1);
        track(ChatClient.connect(n2.port(), "Three"));
    }

    @Test
    void whileRedisIsDownHandshakesAndHellosGoOnUncountedInsteadOfFailing() {
        Node node = node("n1", Tokens.jwtNode("switchboard.limits.max-connections-per-user=2",
                "switchboard.limits.max-connections-per-ip=5"));
        String token = Tokens.token("ada-id", "Ada", Duration.ofHours(1), List.of());
        redis.stop();
        try {
            await("the broker DOWN").atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(25))
                    .until(() -> "DOWN".equals(node.brokerHealth()));
            for (int i = 0; i < 3; i++) { // more than the user may hold: none of them is counted
                ChatClient ada = track(ChatClient.connectRaw(node.port()));
                ada.send(Map.of("type", "hello", "token", token, "ref", "h" + i));
                assertThat(ada.await(f -> "hello_ok".equals(f.get("type")) || "error".equals(f.get("type"))))
                        .containsEntry("type", "hello_ok").containsEntry("ref", "h" + i);
                assertThat(ada.isClosed()).isFalse();
            }
        } finally {
            redis.start();
        }
    }

    @Test
    void aCountMadeAfterTheHelloStoppedWaitingForItIsReleased() {
        Node node = node("n1", Tokens.jwtNode("switchboard.limits.max-connections-per-user=2"));
        String token = Tokens.token("ada-id", "Ada", Duration.ofHours(1), List.of());
        // Redis knows the counting script already (else the count would fail for want of it)
        track(ChatClient.connectWithToken(node.port(), Tokens.token("bob-id", "Bob", Duration.ofHours(1), List.of())));
        ChatClient ada = track(ChatClient.connectRaw(node.port()));
        onRedis(redisCommands -> redisCommands.clientPause(5_000)); // Redis answers nobody for 5 s
        // the count waits, then the hello goes on without it
        ada.send(Map.of("type", "hello", "token", token, "ref", "h"));
        assertThat(ada.await(f -> "hello_ok".equals(f.get("type")) || "error".equals(f.get("type"))))
                .containsEntry("type", "hello_ok");
        // Redis woke up and made the count; the connection never recorded it, so it was released
        awaitCounted("user:ada-id", 0);
        ChatClient second = track(ChatClient.connectWithToken(node.port(), token));
        ChatClient third = track(ChatClient.connectWithToken(node.port(), token));
        awaitCounted("user:ada-id", 2);
        assertThat(second.isClosed() || third.isClosed()).isFalse();
    }

    @Test
    void aNodeKilledAndStartedAgainUnderTheSameIdNoLongerCountsWhatItsEarlierLifeCounted() {
        // a long TTL: the killed node's entry still looks alive when it comes back, as a pod restarted in place
        Map<String, String> properties = new java.util.LinkedHashMap<>(Node.redisProperties(redis.port(), prefix, "pod-a"));
        properties.put("switchboard.cluster.ttl", "60s");
        properties.put("management.server.port", "-1");
        for (String pair : Tokens.jwtNode("switchboard.limits.max-connections-per-user=2")) {
            properties.put(pair.substring(0, pair.indexOf('=')), pair.substring(pair.indexOf('=') + 1));
        }
        String token = Tokens.token("ada-id", "Ada", Duration.ofHours(1), List.of());
        NodeProcess first = track(new NodeProcess(properties));
        track(ChatClient.connectWithToken(first.port(), token));
        track(ChatClient.connectWithToken(first.port(), token));
        awaitCounted("user:ada-id", 2);

        first.kill();
        NodeProcess again = track(new NodeProcess(properties));

        for (int i = 0; i < 2; i++) {
            ChatClient ada = track(ChatClient.connectRaw(again.port()));
            ada.send(Map.of("type", "hello", "token", token, "ref", "h" + i));
            assertThat(ada.await(f -> "hello_ok".equals(f.get("type")) || "error".equals(f.get("type"))))
                    .containsEntry("type", "hello_ok");
        }
        awaitCounted("user:ada-id", 2);
    }

    /** Waits until the cluster-wide count under {@code key} (its hash in Redis) holds {@code count} connections. */
    private void awaitCounted(String key, long count) {
        String hash = prefix + "{conns:" + key + "}";
        onRedis(redisCommands -> {
            await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(25))
                    .untilAsserted(() -> assertThat(redisCommands.hlen(hash) == count)
                    .as(() -> hash + " holds " + redisCommands.hgetall(hash)).isTrue());
            return null;
        });
    }

    @Test
    void anAddressThatHandshakesTooOftenIsAskedToWait() throws IOException {
        Node node = node("n1", "switchboard.limits.handshakes-per-second-per-ip=0.5",
                "switchboard.limits.handshake-burst-per-ip=2");
        track(ChatClient.connect(node.port(), "One"));
        track(ChatClient.connect(node.port(), "Two"));
        List<String> refused = Handshake.send(node.port());
        assertThat(refused.getFirst()).contains(" 429 ");
        assertThat(refused).anySatisfy(header -> assertThat(header).matches("(?i)Retry-After: [12]"));
    }
}
