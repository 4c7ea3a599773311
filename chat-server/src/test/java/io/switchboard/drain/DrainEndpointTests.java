package io.switchboard.drain;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.protocol.CloseCodes;
import io.switchboard.support.Actuator;
import io.switchboard.support.ChatClient;
import io.switchboard.support.Node;
import io.switchboard.support.Wait;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** One node on the in-memory broker: the drain endpoint, readiness and refused handshakes. */
class DrainEndpointTests {

    private Node node;

    @AfterEach
    void stop() {
        if (node != null) {
            node.close();
        }
    }

    @Test
    void refusesHandshakesWhileDrainingAndCancelRestoresThem() {
        // a long health-check wait: the node refuses traffic but nobody is moved yet
        node = Node.inMemory("switchboard.drain.health-check-wait=60s", "switchboard.drain.retry-after=7s");
        assertThat(Actuator.handshake(node.port()).status()).isEqualTo(101);

        Actuator.Answer started = Actuator.post(node.managementPort(), "/actuator/drain", null);

        assertThat(started.status()).isEqualTo(200);
        assertThat(started.json()).containsEntry("state", "draining").containsEntry("reason", "drain");
        assertThat(Actuator.handshake(node.port())).isEqualTo(new Actuator.Handshake(503, "7"));
        Actuator.Answer readiness = Actuator.get(node.managementPort(), "/actuator/health/readiness");
        assertThat(readiness.status()).isEqualTo(503);
        assertThat(readiness.json()).containsEntry("status", "OUT_OF_SERVICE");
        assertThat(Actuator.get(node.managementPort(), "/actuator/health").json().toString()).contains("draining");

        Actuator.Answer cancelled = Actuator.delete(node.managementPort(), "/actuator/drain");

        assertThat(cancelled.json()).containsEntry("state", "idle");
        assertThat(Actuator.get(node.managementPort(), "/actuator/health/readiness").status()).isEqualTo(200);
        assertThat(Actuator.handshake(node.port()).status()).isEqualTo(101);
        try (ChatClient client = ChatClient.connect(node.port(), "Back")) {
            assertThat(client.join("lobby")).containsEntry("room", "lobby");
        }
    }

    @Test
    void movesEverySessionAwayWithReconnectAnd1012ThenReportsDrained() {
        node = Node.inMemory();
        ChatClient ada = ChatClient.connect(node.port(), "Ada");
        ChatClient bob = ChatClient.connect(node.port(), "Bob");
        ada.join("lobby");

        Actuator.Answer started = Actuator.post(node.managementPort(), "/actuator/drain", Map.of("window", "1s"));

        assertThat(started.status()).isEqualTo(200);
        for (ChatClient client : new ChatClient[] {ada, bob}) {
            assertThat(client.await("reconnect")).containsEntry("reason", "drain")
                    .hasEntrySatisfying("retryAfterMs", ms -> assertThat(((Number) ms).longValue()).isBetween(0L, 1000L));
            assertThat(client.closeCode()).isEqualTo(CloseCodes.SERVICE_RESTART);
        }
        Wait.until(Duration.ofSeconds(10),
                () -> "drained".equals(Actuator.get(node.managementPort(), "/actuator/drain").json().get("state")),
                "drain state drained");
        Map<String, Object> drained = Actuator.get(node.managementPort(), "/actuator/drain").json();
        assertThat(drained).containsEntry("sessionsLeft", 0).containsEntry("moved", 2);
        assertThat(Actuator.handshake(node.port()).status()).isEqualTo(503);
    }

    @Test
    void answersTheRunningDrainToARepeatedRequest() {
        node = Node.inMemory("switchboard.drain.health-check-wait=60s");
        Map<String, Object> first = Actuator.post(node.managementPort(), "/actuator/drain", Map.of("window", "30s")).json();

        Actuator.Answer again = Actuator.post(node.managementPort(), "/actuator/drain", Map.of("window", "5s"));

        assertThat(again.status()).isEqualTo(200);
        assertThat(again.json()).containsEntry("startedAt", first.get("startedAt")).containsEntry("window", "PT30S");
    }

    @Test
    void refusesABadWindowOrRate() {
        node = Node.inMemory();
        assertThat(Actuator.post(node.managementPort(), "/actuator/drain", Map.of("rate", -5)).status()).isEqualTo(400);
        assertThat(Actuator.post(node.managementPort(), "/actuator/drain", Map.of("window", "soon")).status()).isEqualTo(400);
        assertThat(Actuator.get(node.managementPort(), "/actuator/drain").json()).containsEntry("state", "idle");
    }

    @Test
    void servesDrainRebalanceAndClusterOnTheManagementPortOnly() {
        node = Node.inMemory();
        for (String endpoint : new String[] {"drain", "rebalance", "cluster", "prometheus"}) {
            assertThat(Actuator.get(node.port(), "/actuator/" + endpoint).status()).as(endpoint).isEqualTo(404);
            assertThat(Actuator.get(node.managementPort(), "/actuator/" + endpoint).status()).as(endpoint).isEqualTo(200);
        }
        assertThat(Actuator.post(node.port(), "/actuator/drain", null).status()).isEqualTo(404);
        assertThat(Actuator.get(node.managementPort(), "/actuator/drain").json()).containsEntry("state", "idle");
    }
}
