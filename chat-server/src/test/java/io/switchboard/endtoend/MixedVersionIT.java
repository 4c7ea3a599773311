package io.switchboard.endtoend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.switchboard.support.Actuator;
import io.switchboard.support.ChatClient;
import io.switchboard.support.Command;
import io.switchboard.support.Node;
import io.switchboard.support.NodeProcess;
import io.switchboard.support.ResumingClient;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

/**
 * A rolling upgrade's middle: a node of the previous release (built by this test from the commit in
 * compat/previous-release, as its own jar) and a node of this build in one cluster on one Redis.
 * Clients on both talk, each message crossing to the other node; then the old node is drained and
 * its clients resume on the new one with every message once. (What the previous release writes is
 * also frozen in compat/release-0.1.json for CompatibilityTests.)
 */
class MixedVersionIT extends OnRedis {

    @Test
    @SuppressWarnings("unchecked")
    void aPreviousReleaseNodeAndThisOneShareAClusterAndTheOldOneDrainsOntoTheNewWithNothingLost() throws IOException {
        Path oldJar = previousRelease();
        int oldManagement = NodeProcess.freePort();
        Map<String, String> properties = new LinkedHashMap<>(io.switchboard.support.Node.redisProperties(redis.port(), prefix, "old"));
        properties.put("management.server.port", Integer.toString(oldManagement));
        properties.put("switchboard.drain.window", "1s");
        NodeProcess old = track(new NodeProcess(oldJar, properties));
        Node current = node("new");
        assertThat(Actuator.get(oldManagement, "/actuator/info").status()).isEqualTo(200);

        // both ways: a client of each node sends, both get everything once, in order
        try (ChatClient onOld = ChatClient.connect(old.port(), "OnOld");
             ChatClient onNew = ChatClient.connect(current.port(), "OnNew")) {
            onOld.join("mixed");
            onNew.join("mixed");
            List<String> said = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                String text = (i % 2 == 0 ? "from old " : "from new ") + i;
                (i % 2 == 0 ? onOld : onNew).say("mixed", text, "x" + i);
                said.add(text);
            }
            for (ChatClient client : List.of(onOld, onNew)) {
                assertThat(client.messages("mixed", said.size())).extracting(m -> m.get("text")).containsExactlyElementsOf(said);
            }
            assertThat((List<Map<String, Object>>) onNew.join("mixed").get("members")).extracting(m -> m.get("node"))
                    .containsExactlyInAnyOrder("old", "new");
        }

        // the old node drains onto the new one while a conversation goes on
        List<ResumingClient> clients = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            clients.add(track(ResumingClient.join("c" + i, "lobby", () -> oldReady(oldManagement) ? old.port() : current.port())));
        }
        ChatClient publisher = track(ChatClient.connect(current.port(), "Publisher"));
        publisher.join("lobby");
        AtomicBoolean sending = new AtomicBoolean(true);
        AtomicInteger sent = new AtomicInteger();
        CompletableFuture<Void> traffic = CompletableFuture.runAsync(() -> {
            while (sending.get()) {
                int n = sent.get() + 1;
                publisher.sayUntilStored("lobby", "m" + n, "m" + n);
                sent.set(n);
                sleep(30);
            }
        }, Executors.newVirtualThreadPerTaskExecutor());
        await("the conversation going").atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(25))
                .until(() -> sent.get() >= 10);
        assertThat(Actuator.post(oldManagement, "/actuator/drain", Map.of("window", "1s")).status()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(25))
                .untilAsserted(() -> assertThat(clients.stream().allMatch(c -> c.isJoined() && "new".equals(c.node())))
                .as(() -> "every client on the new node: " + clients).isTrue());
        int before = sent.get();
        await("the conversation going on").atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(25))
                .until(() -> sent.get() >= before + 10);
        sending.set(false);
        traffic.join();
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(25))
                .untilAsserted(() -> assertThat(clients.stream().allMatch(c -> c.lastOffset() == sent.get()))
                .as(() -> "every client has all " + sent.get() + " messages: " + clients).isTrue());
        List<Long> expected = LongStream.rangeClosed(1, sent.get()).boxed().toList();
        for (ResumingClient client : clients) {
            assertThat(client.offsets()).containsExactlyElementsOf(expected);
            assertThat(client.duplicates()).isZero();
        }
    }

    private static boolean oldReady(int management) {
        try {
            return Actuator.get(management, "/actuator/health/readiness").status() == 200;
        } catch (RuntimeException down) {
            return false;
        }
    }

    /**
     * The previous release's jar, built from the commit in compat/previous-release with that
     * commit's own build (once: kept under target/ by commit).
     */
    private static Path previousRelease() throws IOException {
        Command.require("git");
        String commit;
        try (var in = MixedVersionIT.class.getResourceAsStream("/compat/previous-release")) {
            commit = new String(in.readAllBytes()).strip();
        }
        Path built = Command.ROOT.resolve("chat-server/target/previous-release/" + commit + ".jar");
        if (Files.exists(built)) {
            return built;
        }
        Path source = Files.createTempDirectory("previous-release");
        Command.Result archived = Command.run(List.of("bash", "-c", "git archive " + commit + " | tar -x -C '" + source + "'"),
                Map.of(), 120);
        assertThat(archived.exitCode()).as("the previous release's sources (a full clone has them): " + archived.output())
                .isZero();
        String jdk = Command.run(List.of("scripts/java21"), Map.of(), 60).output().strip();
        Command.Result packaged = Command.run(List.of("bash", "-c", "cd '" + source + "' && ./mvnw -B -q -DskipTests "
                + "-pl chat-server -am package"), Map.of("JAVA_HOME", jdk), 900);
        assertThat(packaged.exitCode()).as("building the previous release: " + packaged.output()).isZero();
        Files.createDirectories(built.getParent());
        Files.copy(source.resolve("chat-server/target/chat-server-0.1.0-SNAPSHOT.jar"), built);
        return built;
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
