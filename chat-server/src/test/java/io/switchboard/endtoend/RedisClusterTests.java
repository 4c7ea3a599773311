package io.switchboard.endtoend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.switchboard.support.ChatClient;
import io.switchboard.support.Command;
import io.switchboard.support.Node;
import io.switchboard.support.RedisClusterProcesses;
import io.switchboard.support.Scenarios;
import io.switchboard.support.TwoNodes;
import io.switchboard.support.Unique;
import io.switchboard.support.WebhookReceiver;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
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
        // only what docs/operations.md tells a user to set: topology refresh is the product's default
        List<String> settings = new ArrayList<>(List.of("spring.data.redis.cluster.nodes=" + cluster.nodes()));
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
                // a later message of the room: a room's messages reach a member in offset order, so a
                // relayed duplicate would come before it
                ada.say(room, "end " + room, room + "-end");
                assertThat(bob.until(ChatClient.message(room, "end " + room))).noneMatch(f -> "message".equals(f.get("type")));
            }
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
    void theServerApiListsTheRoomsOfEveryPrimaryBansAndDeletesAndTheWebhookHearsOfIt() {
        String secret = "whsec-0123456789abcdef0123456789";
        try (WebhookReceiver receiver = new WebhookReceiver(secret);
             TwoNodes nodes = twoNodes("switchboard.api.keys.shop=k-shop-0123456789abcdef0123",
                     "switchboard.webhooks[0].url=" + receiver.url(), "switchboard.webhooks[0].secret=" + secret,
                     "switchboard.webhook-delivery.poll-interval=50ms")) {
            Set<String> rooms = new TreeSet<>();
            for (int i = 0; i < 12; i++) { // rooms on many slots, so on every primary
                rooms.add("listed-" + i);
                nodes.ada.join("listed-" + i);
            }
            Set<String> listed = ApiTests.allRooms(nodes.n2.port(), "k-shop-0123456789abcdef0123", 2);
            assertThat(listed).containsAll(rooms);

            // bans and tombstones: scripts over a room's keys, all on the room's slot
            nodes.bob.join("listed-0");
            nodes.ada.say("listed-0", "to be deleted", "d1");
            String key = "k-shop-0123456789abcdef0123";
            assertThat(ApiTests.call(nodes.n1.port(), "DELETE", "/api/rooms/listed-0/messages/1", key, null).status())
                    .isEqualTo(200);
            assertThat(nodes.bob.await("deleted")).containsEntry("offset", 1);
            assertThat(ApiTests.call(nodes.n2.port(), "POST", "/api/rooms/listed-0/bans", key, "{\"user\":\"Bob\"}")
                    .status()).isEqualTo(201);
            assertThat(nodes.bob.await(f -> "left".equals(f.get("type")))).containsEntry("reason", "forbidden");
            nodes.bob.send(Map.of("type", "join", "room", "listed-0"));
            assertThat(nodes.bob.await("error")).containsEntry("code", "forbidden");

            // the room's events are on its slot; the node marks it due on the webhooks' slot after the script
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(receiver.taken().stream()
                    .filter(event -> "listed-0".equals(event.get("room"))).map(event -> event.get("type")).distinct())
                    .containsSubsequence("room.occupied", "message.created", "message.deleted"));
            assertThat(receiver.requests()).allMatch(WebhookReceiver.Request::signed);
        }
    }

    @Test
    void anEventWhoseRoomANodeDidNotLiveToMarkDueIsFoundByTheSweepAndDelivered() {
        String secret = "whsec-0123456789abcdef0123456789";
        String prefix = Unique.prefix("t");
        // one node: its sweep alone has to reach every primary
        try (WebhookReceiver receiver = new WebhookReceiver(secret);
             Node node = Node.onRedis(0, prefix, "n1", "spring.data.redis.cluster.nodes=" + cluster.nodes(),
                     "switchboard.webhooks[0].url=" + receiver.url(),
                     "switchboard.webhooks[0].secret=" + secret, "switchboard.webhooks[0].events=message.created",
                     "switchboard.webhook-delivery.poll-interval=50ms",
                     "switchboard.webhook-delivery.sweep-interval=1s")) {
            // what a node leaves that stored a message and its event (one script, on the room's slot)
            // and died before marking the room due (on the webhooks' slot): the event, and nothing due;
            // in rooms on every primary, so that the sweep's scan has to go from one to the next
            List<String> stranded = new ArrayList<>();
            for (int i = 0; stranded.stream().map(room -> cluster.primaryFor(prefix + "{" + room + "}")).distinct()
                    .count() < cluster.primaries().size(); i++) {
                stranded.add("stranded-" + i);
            }
            for (String room : stranded) {
                String stream = prefix + "{" + room + "}:events";
                String body = "{\"type\":\"message\",\"room\":\"" + room + "\",\"epoch\":\"e1\",\"offset\":1,"
                        + "\"id\":\"m1\",\"from\":\"u1\",\"fromName\":\"Ada\",\"text\":\"left behind\",\"ts\":1796000000000}";
                Command.redisCli(cluster.primaryFor(stream), "XADD", stream, "*", "t", "message.created", "s", "1", "e", "e1",
                        "o", "1", "d", body);
                Command.redisCli(cluster.primaryFor(stream), "HSET", prefix + "{" + room + "}:events:state", "seq", "1");
            }

            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(receiver.taken())
                    .filteredOn(event -> "message.created".equals(event.get("type")) && Integer.valueOf(1).equals(event.get("offset")))
                    .extracting(event -> event.get("room")).containsExactlyInAnyOrderElementsOf(stranded));
            // found by one round of one node's sweep each (a scan that stopped at the first primary
            // would find the others only when a topology refresh put them first), and never again
            var swept = node.bean(io.micrometer.core.instrument.MeterRegistry.class).get("switchboard.webhooks.swept").counter();
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(swept.count()).isEqualTo(stranded.size()));
            // delivered, so trimmed from the streams: later sweeps find nothing more to mark
            for (String room : stranded) {
                String stream = prefix + "{" + room + "}:events";
                await().atMost(Duration.ofSeconds(10)).until(() ->
                        Command.redisCli(cluster.primaryFor(stream), "XLEN", stream).strip().equals("0"));
            }
        }
    }

    @Test
    void aPrimaryKilledWhileAClientSendsIsReplacedAndTheConversationGoesOn() {
        try (TwoNodes chat = twoNodes()) {
            ChatClient ada = chat.ada;
            ChatClient bob = chat.bob;
            String room = roomWithAReplica("killed");
            ada.join(room);
            bob.join(room);
            ada.say(room, "before", "before");
            bob.messages(room, 1);

            CompletableFuture<Void> sending = CompletableFuture.runAsync(() -> {
                for (int i = 1; i <= 30; i++) {
                    ada.sayUntilStored(room, "during " + i, "during-" + i);
                }
            }, Executors.newVirtualThreadPerTaskExecutor());
            cluster.killPrimary(cluster.primaryFor("{" + room + "}"), "{" + room + "}");
            sending.join();

            List<String> after = new ArrayList<>();
            for (int i = 1; i <= 5; i++) {
                ada.sayUntilStored(room, "after " + i, "after-" + i);
                after.add("after " + i);
            }
            // both nodes move their subscription to the promoted replica (on the next topology refresh)
            await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(25))
                    .untilAsserted(() -> assertThat(cluster.subscribers(chat.prefix + "{" + room + "}"))
                    .as("subscribers on each primary").containsExactly(2, 0));
            List<Object> received = bob.messageTextsUntil(after);
            assertThat(received.stream().filter(after::contains).toList()).isEqualTo(after); // once each, in order
        }
    }

    @Test
    void aRoomWhoseSlotMovesToAnotherPrimaryWhileAClientSendsGoesOnOnceAndInOrder() {
        try (TwoNodes chat = twoNodes()) {
            ChatClient ada = chat.ada;
            ChatClient bob = chat.bob;
            chat.join("moving");
            ada.say("moving", "before", "before");
            bob.messages("moving", 1);
            int from = cluster.primaryFor("{moving}");
            int to = cluster.primaries().stream().filter(port -> port != from).findFirst().orElseThrow();

            List<String> sent = new CopyOnWriteArrayList<>();
            CompletableFuture<Void> sending = CompletableFuture.runAsync(() -> {
                for (int i = 1; i <= 40; i++) {
                    ada.sayUntilStored("moving", "during " + i, "during-" + i);
                    sent.add("during " + i);
                }
            }, Executors.newVirtualThreadPerTaskExecutor());
            await("traffic flowing").atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(25))
                    .until(() -> sent.size() >= 5);
            cluster.moveSlot("{moving}", to); // the server ends both nodes' SSUBSCRIBE on the old owner
            sending.join();

            // both nodes subscribe again on the new owner and catch the room up from its log
            await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(25))
                    .untilAsserted(() -> assertThat(cluster.subscribers(chat.prefix + "{moving}"))
                    .as("subscribers on each primary").containsExactly(2, 0));
            ada.sayUntilStored("moving", "after", "after");
            List<String> all = new ArrayList<>(sent);
            all.add("after");
            assertThat(bob.messageTextsUntil(all).stream().filter(all::contains).toList()).isEqualTo(all); // once each, in order
        }
    }

    @Test
    void aReplicaPromotedBeforeItHadEverythingGivesTheRoomANewEpochAndNothingNewIsDropped() {
        try (TwoNodes chat = twoNodes()) {
            ChatClient ada = chat.ada;
            ChatClient bob = chat.bob;
            String room = roomWithAReplica("lag");
            chat.join(room);
            ada.say(room, "replicated", "replicated");
            bob.messages(room, 1);
            int primary = cluster.primaryFor("{" + room + "}");
            int replica = cluster.replicaOf(primary);
            cluster.freeze(replica, primary); // replication lag: the primary acknowledges what the replica never gets
            String epoch = null;
            for (int i = 1; i <= 3; i++) {
                epoch = (String) ada.say(room, "only on the primary " + i, "primary-" + i).get("epoch");
            }
            assertThat(bob.messages(room, 3)).hasSize(3);
            cluster.kill(primary);
            cluster.thaw(replica);
            cluster.awaitPromoted(primary, "{" + room + "}");

            // stored before or after a node moves the room to a new epoch: either way it arrives once
            ada.sayUntilStored(room, "after the failover", "after-failover");
            for (ChatClient client : List.of(ada, bob)) {
                assertThat(client.await("epoch_changed")).containsEntry("previousEpoch", epoch);
                assertThat(client.messageTextsUntil(List.of("after the failover"))).containsOnlyOnce("after the failover");
            }
        }
    }

    @Test
    void tellsTheMemberOfAGapTheLogNoLongerHolds() {
        try (TwoNodes chat = twoNodes().join("trimmed")) {
            Scenarios.aGapTheLogNoLongerHoldsIsTold(chat.ada, chat.bob, "trimmed", () -> Command.redisCli(
                    cluster.primaryFor("{trimmed}"), "HINCRBY", chat.prefix + "{trimmed}:meta", "offset", "2"));
        }
    }

    @Test
    void roomsLeftOrCutOffInTheirJoinLeaveNothingBehindPastTheRetention() {
        try (TwoNodes chat = twoNodes("switchboard.history.retention=2s", "switchboard.limits.new-rooms.burst=1000")) {
            Scenarios.leaveRoomsAndCutOffJoins(chat.ada, chat.n2.port(), 50, 20);
            // the node registry lives on
            await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(25))
                    .untilAsserted(() -> assertThat(cluster.keys(chat.prefix + "*"))
                    .as("keys left").allMatch(key -> key.startsWith(chat.prefix + "{cluster}")));
            // the joins' subscriptions were on their way when the clients went: each is undone once it arrives
            await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(25))
                    .untilAsserted(() -> assertThat(cluster.subscribers(chat.prefix + "{cut-off}"))
                    .as("subscribers on each primary").containsExactly(0, 0));
        }
    }

    /**
     * {@code base}, or {@code base-1}, {@code base-2}...: the first whose primary still has a live
     * replica (a test that killed a primary leaves its slots on a primary without one). Waits for
     * one: a replica thawed by an earlier test, or one whose pings a busy machine delayed past the
     * node timeout, is flagged failing until the cluster hears from it again.
     */
    private static String roomWithAReplica(String base) {
        String[] found = new String[1];
        await("a primary with a live replica").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
                .until(() -> {
                    for (int i = 0; i < 100; i++) {
                        String room = i == 0 ? base : base + "-" + i;
                        if (cluster.replicaOf(cluster.primaryFor("{" + room + "}")) > 0) {
                            found[0] = room;
                            return true;
                        }
                    }
                    return false;
                });
        return found[0];
    }
}
