package io.switchboard.endtoend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.switchboard.support.ChatClient;
import io.switchboard.support.Command;
import io.switchboard.support.RedisSentinels;
import io.switchboard.support.Scenarios;
import io.switchboard.support.TwoNodes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Nodes configured the Spring Boot way for Sentinel ({@code spring.data.redis.sentinel.*}), real
 * {@code redis-sentinel} processes, and a failover forced while people chat: the nodes follow the
 * new primary and the conversation goes on. (What the failover itself may cost, messages the old
 * primary acknowledged but never replicated, is docs/operations.md's to say; this test asserts what
 * comes after it.)
 */
class SentinelFailoverTests {

    /** The settings a user would give for Sentinel (docs/operations.md), and {@code more}. */
    private static String[] sentinel(RedisSentinels redis, String... more) {
        return Stream.concat(Stream.of("spring.data.redis.sentinel.master=" + RedisSentinels.MASTER,
                "spring.data.redis.sentinel.nodes=" + redis.sentinelNodes()), Arrays.stream(more)).toArray(String[]::new);
    }

    @Test
    void nodesFollowTheNewPrimaryAfterAFailoverAndClientsKeepChatting() {
        try (RedisSentinels redis = RedisSentinels.start();
             TwoNodes chat = new TwoNodes(redis.primaryPort(), sentinel(redis)).join("failover")) {
            ChatClient ada = chat.ada;
            ChatClient bob = chat.bob;
            ada.say("failover", "before", "before");
            assertThat(bob.messages("failover", 1).getFirst()).containsEntry("text", "before");

            // traffic while the failover happens: each send retried until acknowledged
            CompletableFuture<Integer> during = CompletableFuture.supplyAsync(() -> {
                int sent = 0;
                while (redis.reportedPrimaryPort() != redis.replicaPort() && sent < 100) {
                    sent++;
                    ada.sayUntilStored("failover", "during " + sent, "during-" + sent);
                }
                return sent;
            }, Executors.newVirtualThreadPerTaskExecutor());
            redis.failOver();
            assertThat(redis.reportedPrimaryPort()).isEqualTo(redis.replicaPort());
            assertThat(during.join()).isPositive();

            // The nodes reconnect through the sentinels to the new primary; until then a send
            // is refused (broker_unavailable) and the client retries it with the same clientMsgId.
            List<String> after = new ArrayList<>();
            for (int i = 1; i <= 10; i++) {
                String text = "after " + i;
                ada.sayUntilStored("failover", text, "after-" + i);
                after.add(text);
            }
            List<Object> received = bob.messageTextsUntil(after);
            assertThat(received.stream().filter(after::contains).toList()).isEqualTo(after); // once each, in order
        }
    }

    /**
     * Acknowledged means replicated, through a crash: a primary and two replicas, two nodes with
     * {@code ack-replicas=1} and five members each, the primary SIGKILLed while two senders send one
     * message after another, each retried with its clientMsgId until acknowledged. Every member gets
     * every acknowledged message once, in order, and is told of no gap and no epoch change: what the
     * crash took was never acknowledged nor shown, and a read that fails while Redis changes hands
     * is tried again, not told as a gap. {@code -Dswitchboard.test.failovers=N} runs it N times.
     */
    @Test
    void withAckReplicasAPrimaryKilledUnderTrafficLosesNothingAcknowledgedAndShowsNothingTwice() {
        int runs = Integer.getInteger("switchboard.test.failovers", 1);
        for (int run = 0; run < runs; run++) {
            killThePrimaryUnderTrafficWithAckReplicas();
        }
    }

    /**
     * The same race, forced: the replicas freeze (their links cut), a message reaches the primary
     * only, and the primary is killed. With {@code ack-replicas=1} that message was neither
     * acknowledged nor shown to anyone, so after the failover its retry is stored at the same
     * offset, once, with no epoch change (relayed at once, as without the setting, the members
     * would have held an offset the new primary never had, and the room would move to a new epoch).
     */
    @Test
    void withAckReplicasWhatOnlyTheDeadPrimaryHadWasNeverShownSoTheFailoverChangesNothing() {
        try (RedisSentinels redis = RedisSentinels.start(2);
             TwoNodes chat = new TwoNodes(redis.primaryPort(), sentinel(redis, "switchboard.redis.ack-replicas=1",
                     "switchboard.redis.ack-timeout=500ms")).join("forced")) {
            ChatClient ada = chat.ada;
            ChatClient bob = chat.bob;
            ada.say("forced", "replicated", "m1");
            for (ChatClient member : List.of(ada, bob)) {
                assertThat(member.messages("forced", 1)).extracting(m -> m.get("text")).containsExactly("replicated");
            }

            redis.freezeReplicas();
            ada.send(Map.of("type", "send", "room", "forced", "text", "only on the primary", "clientMsgId", "m2"));
            assertThat(ada.await(f -> "error".equals(f.get("type")) || "ack".equals(f.get("type"))))
                    .containsEntry("code", "broker_unavailable");
            redis.killPrimary();
            redis.thawReplicas();
            redis.awaitAnyReplicaPromoted();

            assertThat(ada.sayUntilStored("forced", "only on the primary", "m2", Duration.ofSeconds(60)))
                    .containsEntry("offset", 2).containsEntry("duplicate", false);
            ada.say("forced", "the end marker", "m3");
            for (ChatClient member : List.of(ada, bob)) {
                // what came before the end marker, a later message of the room: the room's messages come in offset order
                List<Map<String, Object>> seen = member.until(ChatClient.message("forced", "the end marker"));
                assertThat(seen).noneMatch(f -> "gap".equals(f.get("type")) || "epoch_changed".equals(f.get("type")));
                assertThat(seen).filteredOn(f -> "message".equals(f.get("type")))
                        .extracting(m -> m.get("offset") + ":" + m.get("text")).containsExactly("2:only on the primary");
            }
        }
    }

    private static void killThePrimaryUnderTrafficWithAckReplicas() {
        try (RedisSentinels redis = RedisSentinels.start(2);
             TwoNodes chat = new TwoNodes(redis.primaryPort(), sentinel(redis, "switchboard.redis.ack-replicas=1",
                     "switchboard.redis.ack-timeout=500ms")).join("acked")) {
            List<ChatClient> members = new ArrayList<>(List.of(chat.ada, chat.bob));
            for (int i = 0; i < 10; i++) {
                ChatClient member = ChatClient.connect((i % 2 == 0 ? chat.n1 : chat.n2).port(), "Member" + i);
                member.join("acked");
                members.add(member);
            }
            try {
                List<String> acknowledged = new ArrayList<>();
                for (int i = 1; i <= 80; i++) {
                    if (i == 30) {
                        redis.killPrimary();
                    }
                    String text = "m" + i;
                    (i % 2 == 0 ? chat.ada : chat.bob).sayUntilStored("acked", text, text, Duration.ofSeconds(60));
                    acknowledged.add(text);
                }
                redis.awaitAnyReplicaPromoted();
                for (ChatClient member : members) {
                    List<Map<String, Object>> got = member.messages("acked", acknowledged.size());
                    assertThat(got).extracting(m -> m.get("text")).as("once each, in order")
                            .containsExactlyElementsOf(acknowledged);
                    assertThat(got).extracting(m -> ((Number) m.get("offset")).longValue())
                            .containsExactlyElementsOf(java.util.stream.LongStream.rangeClosed(1, 80).boxed().toList());
                }
                chat.ada.say("acked", "the end marker", "end");
                for (ChatClient member : members) {
                    // what came before the end marker, a later message of the room: the room's messages come in offset order
                    List<Map<String, Object>> rest = member.until(ChatClient.message("acked", "the end marker"));
                    assertThat(rest).noneMatch(f -> "gap".equals(f.get("type")) || "epoch_changed".equals(f.get("type")));
                }
            } finally {
                members.subList(2, members.size()).forEach(ChatClient::close);
            }
        }
    }

    @Test
    void aReplicaPromotedBeforeItHadEverythingGivesTheRoomANewEpochAndNothingNewIsDropped() {
        try (RedisSentinels redis = RedisSentinels.start();
             TwoNodes chat = new TwoNodes(redis.primaryPort(), sentinel(redis)).join("lag")) {
            ChatClient ada = chat.ada;
            ChatClient bob = chat.bob;
            ada.say("lag", "replicated", "replicated");
            bob.messages("lag", 1);

            redis.freezeReplica(); // replication lag: the primary acknowledges what the replica never gets
            String epoch = null;
            for (int i = 1; i <= 3; i++) {
                epoch = (String) ada.say("lag", "only on the primary " + i, "primary-" + i).get("epoch");
            }
            assertThat(bob.messages("lag", 3)).hasSize(3);
            redis.killPrimary();
            redis.thawReplica();
            redis.awaitReplicaPromoted();

            // stored before or after a node moves the room to a new epoch: either way it arrives once
            ada.sayUntilStored("lag", "after the failover", "after-failover");
            for (ChatClient client : List.of(ada, bob)) {
                assertThat(client.await("epoch_changed")).containsEntry("previousEpoch", epoch);
                assertThat(client.messageTextsUntil(List.of("after the failover"))).containsOnlyOnce("after the failover");
            }
        }
    }

    @Test
    void afterAFailoverGapsAreToldAndRoomsLeftOrCutOffInTheirJoinLeaveNothingPastTheRetention() {
        try (RedisSentinels redis = RedisSentinels.start();
             TwoNodes chat = new TwoNodes(redis.primaryPort(), sentinel(redis, "switchboard.history.retention=2s",
                     "switchboard.limits.new-rooms.burst=1000"))
                     .join("trimmed")) {
            ChatClient ada = chat.ada;
            ChatClient bob = chat.bob;
            redis.failOver();
            int primary = redis.reportedPrimaryPort();

            Scenarios.aGapTheLogNoLongerHoldsIsTold(ada, bob, "trimmed", () -> Command.redisCli(primary,
                    "HINCRBY", chat.prefix + "{trimmed}:meta", "offset", "2"));

            Scenarios.leaveRoomsAndCutOffJoins(ada, chat.n2.port(), 20, 20);
            ada.leave("trimmed");
            bob.leave("trimmed");
            Supplier<List<String>> roomKeys = () -> Command.run(List.of("redis-cli", "-p", Integer.toString(primary),
                    "--scan", "--pattern", chat.prefix + "*"), Map.of(), 10).output().lines()
                    .filter(key -> !key.isBlank() && !key.startsWith(chat.prefix + "{cluster}")).toList(); // the node registry lives on
            await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(25))
                    .untilAsserted(() -> assertThat(roomKeys.get().isEmpty()).as(() -> "keys left: " + roomKeys.get()).isTrue());
            await("no node subscribed to the room cut off in its join").atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(25))
                    .until(() -> Command.redisCli(primary, "PUBSUB", "NUMSUB", chat.prefix + "{cut-off}")
                    .lines().toList().get(1).strip().equals("0"));
        }
    }
}
