package io.switchboard.endtoend;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.support.ChatClient;
import io.switchboard.support.RedisClusterProcesses;
import io.switchboard.support.TwoNodes;
import io.switchboard.support.Wait;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Two nodes on a real six-process Redis Cluster, configured the Spring Boot way
 * ({@code spring.data.redis.cluster.nodes}): rooms on different slots, cross-node delivery, dedupe,
 * resume, and a primary killed while a client sends.
 */
class RedisClusterTests {

    private static final List<String> ROOMS = List.of("alpha", "beta", "gamma", "delta");
    private static RedisClusterProcesses cluster;

    @BeforeAll
    static void startCluster() {
        cluster = RedisClusterProcesses.start();
    }

    @AfterAll
    static void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    /** Two nodes on the cluster, with Ada and Bob; the settings a user would give (docs/operations.md). */
    private static TwoNodes twoNodes(String... more) {
        List<String> settings = new ArrayList<>(List.of("spring.data.redis.cluster.nodes=" + cluster.nodes(),
                "spring.data.redis.lettuce.cluster.refresh.adaptive=true",
                "spring.data.redis.lettuce.cluster.refresh.period=1s"));
        settings.addAll(List.of(more));
        return new TwoNodes(0, settings.toArray(String[]::new));
    }

    @Test
    void roomsOnEverySlotDeliverAcrossNodesOnceAndResume() {
        try (TwoNodes chat = twoNodes()) {
            ChatClient ada = chat.ada;
            ChatClient bob = chat.bob;
            assertThat(ROOMS.stream().map(room -> cluster.primaryFor("{" + room + "}")).distinct().count())
                    .as("the rooms live on more than one primary").isGreaterThan(1);
            for (String room : ROOMS) {
                ada.join(room);
                bob.join(room);
                Map<String, Object> ack = ada.say(room, "hello " + room, room + "-1");
                assertThat(bob.messages(room, 1).getFirst()).containsEntry("text", "hello " + room)
                        .containsEntry("offset", ack.get("offset"));
                // the same clientMsgId again: stored once, answered with the first offset, not relayed
                assertThat(ada.say(room, "hello " + room, room + "-1")).containsEntry("duplicate", true)
                        .containsEntry("offset", ack.get("offset"));
            }
            assertThat(bob.drain(Duration.ofMillis(300))).noneMatch(f -> "message".equals(f.get("type")));
            // sharded pub/sub: each room's channel is subscribed by both nodes on its slot's primary only
            for (String room : ROOMS) {
                assertThat(cluster.subscribers(chat.prefix + "{" + room + "}")).as(room).containsExactly(2L, 0L);
            }

            Map<String, Object> last = ada.say("alpha", "last before Bob leaves", "alpha-2");
            bob.messages("alpha", 1);
            bob.close();
            for (int i = 3; i <= 5; i++) {
                ada.say("alpha", "missed " + i, "alpha-" + i);
            }
            try (ChatClient back = ChatClient.connect(chat.n2.port(), "Bob")) {
                Map<String, Object> joined = back.join("alpha", (String) last.get("epoch"),
                        ((Number) last.get("offset")).longValue());
                assertThat(joined).containsEntry("recovered", true);
                assertThat(back.messages("alpha", 3)).extracting(m -> m.get("text"))
                        .containsExactly("missed 3", "missed 4", "missed 5");
            }
        }
    }

    @Test
    void aPrimaryKilledWhileAClientSendsIsReplacedAndTheConversationGoesOn() {
        try (TwoNodes chat = twoNodes()) {
            ChatClient ada = chat.ada;
            ChatClient bob = chat.bob;
            ada.join("killed");
            bob.join("killed");
            ada.say("killed", "before", "before");
            bob.messages("killed", 1);

            CompletableFuture<Void> sending = CompletableFuture.runAsync(() -> {
                for (int i = 1; i <= 30; i++) {
                    ada.sayUntilStored("killed", "during " + i, "during-" + i);
                }
            }, Executors.newVirtualThreadPerTaskExecutor());
            cluster.killPrimary(cluster.primaryFor("{killed}"), "{killed}");
            sending.join();

            List<String> after = new ArrayList<>();
            for (int i = 1; i <= 5; i++) {
                ada.sayUntilStored("killed", "after " + i, "after-" + i);
                after.add("after " + i);
            }
            // both nodes move their subscription to the promoted replica (on the next topology refresh)
            Wait.until(Duration.ofSeconds(20), () -> Arrays.equals(cluster.subscribers(chat.prefix + "{killed}"),
                    new long[] {2, 0}), () -> "subscribers " + Arrays.toString(cluster.subscribers(chat.prefix + "{killed}")));
            List<Object> received = bob.messageTextsUntil(after);
            assertThat(received.stream().filter(after::contains).toList()).isEqualTo(after); // once each, in order
        }
    }

    @Test
    void roomsLeftOrCutOffInTheirJoinLeaveNothingBehindPastTheRetention() {
        try (TwoNodes chat = twoNodes("switchboard.history.retention=2s")) {
            for (int i = 0; i < 50; i++) {
                chat.ada.join("made-up-" + i);
                chat.ada.send(Map.of("type", "leave", "room", "made-up-" + i, "ref", "l" + i));
                chat.ada.await("left");
            }
            for (int i = 0; i < 20; i++) {
                ChatClient gone = ChatClient.connect(chat.n2.port(), "Gone" + i);
                gone.send(Map.of("type", "join", "room", "cut-off"));
                gone.close(); // abrupt, with the join in flight
            }
            Wait.until(Duration.ofSeconds(20), () -> cluster.keys(chat.prefix + "*").stream()
                    .allMatch(key -> key.startsWith(chat.prefix + "{cluster}")), // the node registry lives on
                    () -> "keys left: " + cluster.keys(chat.prefix + "*"));
            assertThat(cluster.subscribers(chat.prefix + "{cut-off}")).containsExactly(0L, 0L);
        }
    }
}
