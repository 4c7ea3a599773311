package io.switchboard.drain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.InstanceOfAssertFactories.MAP;
import static org.awaitility.Awaitility.await;

import io.switchboard.protocol.CloseCodes;
import io.switchboard.support.Actuator;
import io.switchboard.support.ChatClient;
import io.switchboard.support.Command;
import io.switchboard.support.Node;
import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
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
                    .hasEntrySatisfying("retryAfterMs", ms -> assertThat(((Number) ms).longValue()).isBetween(0L, 500L));
            assertThat(client.closeCode()).isEqualTo(CloseCodes.SERVICE_RESTART);
        }
        await("drain state drained").atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(25))
                .until(() -> "drained".equals(Actuator.get(node.managementPort(), "/actuator/drain").json().get("state")));
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
    void refusesABadWindowRateOrForceSayingWhatIsExpected() {
        node = Node.inMemory();
        String window = "window must be a positive duration with a unit, such as 30s or PT30S";
        String rate = "rate must be a number of sessions per second above 0, such as 200";

        assertRefused(Map.of("window", "soon"), window + "; got \"soon\"");
        assertRefused(Map.of("window", "0s"), window + "; got \"0s\"");
        assertRefused(Map.of("window", 30), window + "; got \"30\""); // 30 alone would be 30 ms
        assertRefused(Map.of("rate", -5), rate + "; got \"-5\"");
        assertRefused(Map.of("rate", "fast"), rate + "; got \"fast\"");
        assertRefused(Map.of("force", "yes"), "force must be true or false; got \"yes\"");
        assertThat(Actuator.get(node.managementPort(), "/actuator/drain").json()).containsEntry("state", "idle");
    }

    private void assertRefused(Map<String, ?> body, String error) {
        Actuator.Answer answer = Actuator.post(node.managementPort(), "/actuator/drain", body);
        assertThat(answer.status()).as(body.toString()).isEqualTo(400);
        assertThat(answer.json()).as(body.toString()).containsEntry("error", error);
        assertThat(answer.json().get("drain")).asInstanceOf(MAP).containsEntry("state", "idle");
    }

    @Test
    void takesAWindowInEitherFormOrARateAndShowsOnlyThePaceInUse() {
        node = Node.inMemory("switchboard.drain.health-check-wait=60s");

        Map<String, Object> byWindow = Actuator.post(node.managementPort(), "/actuator/drain", Map.of("window", "PT45S")).json();

        assertThat(byWindow).containsEntry("window", "PT45S").doesNotContainKey("rate");
        Actuator.delete(node.managementPort(), "/actuator/drain");
        // JSON numbers and booleans are taken as well as text
        Map<String, Object> byRate = Actuator.post(node.managementPort(), "/actuator/drain",
                Map.of("rate", 200, "force", true)).json();
        assertThat(byRate).containsEntry("state", "draining").containsEntry("rate", 200.0).doesNotContainKey("window");
    }

    @Test
    void showsAnIdleNodeWithoutTheCancelledDrainsPaceOrSessions() {
        node = Node.inMemory("switchboard.drain.health-check-wait=60s");
        try (ChatClient client = ChatClient.connect(node.port(), "Stays")) {
            Map<String, Object> draining = Actuator.post(node.managementPort(), "/actuator/drain",
                    Map.of("rate", 200)).json();
            assertThat(draining).containsEntry("state", "draining").containsEntry("sessionsLeft", 1)
                    .containsEntry("moved", 0).containsEntry("rate", 200.0).containsKeys("startedAt", "expectedEnd");

            Map<String, Object> cancelled = Actuator.delete(node.managementPort(), "/actuator/drain").json();

            assertThat(cancelled).containsOnlyKeys("node", "state").containsEntry("state", "idle");
            assertThat(Actuator.get(node.managementPort(), "/actuator/drain").json())
                    .containsOnlyKeys("node", "state").containsEntry("state", "idle");
            assertThat(Actuator.get(node.managementPort(), "/actuator/health/drain").json().get("details"))
                    .isEqualTo(Map.of("state", "idle", "sessions", 1));
        }
    }

    /** Whoever pastes the README's drain takes a node out of rotation: the README says how to put it back. */
    @Test
    void theReadmeSaysHowToUndoEachDrainItShows() throws IOException {
        String readme = Files.readString(Command.ROOT.resolve("README.md"));
        Set<String> drained = new TreeSet<>();
        Matcher posts = Pattern.compile("-X POST[^`]*?(http://\\S+/actuator/drain)").matcher(readme);
        while (posts.find()) {
            drained.add(posts.group(1));
        }

        assertThat(drained).isNotEmpty();
        for (String address : drained) {
            assertThat(readme).as("undoing the drain of " + address)
                    .containsPattern("-X DELETE[\\s\\\\]+" + Pattern.quote(address));
        }
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
