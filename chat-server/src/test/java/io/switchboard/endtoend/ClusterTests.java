package io.switchboard.endtoend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.switchboard.support.PresenceFrames;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.XAddArgs;
import io.lettuce.core.api.sync.RedisCommands;
import io.switchboard.support.ChatClient;
import io.switchboard.support.Node;
import io.switchboard.support.NodeProcess;
import io.switchboard.support.Scenarios;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** Several nodes on one real Redis, talked to through real WebSocket clients. */
class ClusterTests extends OnRedis {



    private ChatClient client(Node node, String name) {
        return track(ChatClient.connect(node.port(), name));
    }

    @ParameterizedTest(name = "{0} nodes")
    @ValueSource(ints = {2, 3})
    void deliversAcrossNodesInTheSameOrderWithTheSameOffsets(int nodeCount) {
        List<ChatClient> clients = new ArrayList<>();
        for (int i = 0; i < nodeCount; i++) {
            clients.add(client(node("n" + i), "user" + i));
        }
        for (ChatClient client : clients) {
            client.join("lobby");
        }
        int perClient = 30;
        List<CompletableFuture<Void>> senders = new ArrayList<>();
        for (int c = 0; c < clients.size(); c++) {
            ChatClient client = clients.get(c);
            int sender = c;
            senders.add(CompletableFuture.runAsync(() -> {
                for (int i = 0; i < perClient; i++) {
                    client.send(Map.of("type", "send", "room", "lobby", "text", sender + ":" + i,
                            "clientMsgId", "c" + sender + "-" + i));
                }
            }));
        }
        senders.forEach(CompletableFuture::join);

        int total = perClient * nodeCount;
        List<List<String>> seen = new ArrayList<>();
        for (ChatClient client : clients) {
            List<String> sequence = new ArrayList<>();
            for (Map<String, Object> message : client.messages("lobby", total)) {
                sequence.add(message.get("offset") + "|" + message.get("epoch") + "|" + message.get("text"));
            }
            seen.add(sequence);
        }
        for (List<String> sequence : seen) {
            assertThat(sequence).containsExactlyElementsOf(seen.getFirst());
        }
        List<Integer> offsets = seen.getFirst().stream().map(s -> Integer.parseInt(s.substring(0, s.indexOf('|')))).toList();
        assertThat(offsets).isEqualTo(java.util.stream.IntStream.rangeClosed(1, total).boxed().toList());
        // a later message of the room: every client gets the room's messages in offset order, so anything
        // more of the lobby would come before it
        clients.getFirst().say("lobby", "end marker", "end");
        for (ChatClient client : clients) {
            assertThat(client.until(ChatClient.message("lobby", "end marker"))).noneMatch(f -> "message".equals(f.get("type")));
        }
    }

    @Test
    void resumesFromLastOffsetWithoutGapsOrDuplicates() {
        Node first = node("n1");
        Node second = node("n2");
        ChatClient talker = client(second, "Talker");
        talker.join("resume");
        talker.say("resume", "before", "before-1");

        ChatClient reader = ChatClient.connect(first.port(), "Reader");
        Map<String, Object> joined = reader.join("resume");
        String epoch = (String) joined.get("epoch");
        long offset = ((Number) joined.get("offset")).longValue();
        reader.close();

        for (int i = 1; i <= 100; i++) {
            talker.send(Map.of("type", "send", "room", "resume", "text", "missed " + i, "clientMsgId", "missed-" + i));
        }
        talker.messages("resume", 101);

        ChatClient back = client(first, "Reader");
        Map<String, Object> rejoined = back.join("resume", epoch, offset);
        assertThat(rejoined).containsEntry("recovered", true).containsEntry("epochChanged", false);
        List<Map<String, Object>> missed = back.messages("resume", 100);
        assertThat(missed).extracting(m -> m.get("text"))
                .containsExactlyElementsOf(java.util.stream.IntStream.rangeClosed(1, 100).mapToObj(i -> "missed " + i).toList());
        assertThat(missed).extracting(m -> ((Number) m.get("offset")).longValue())
                .containsExactlyElementsOf(java.util.stream.LongStream.rangeClosed(offset + 1, offset + 100).boxed().toList());

        talker.say("resume", "live", "live-1");
        assertThat(back.messages("resume", 1).getFirst()).containsEntry("text", "live");
        // a later message of the room, which reaches the reader in offset order after any duplicate of the replay
        talker.say("resume", "end marker", "end-1");
        assertThat(back.until(ChatClient.message("resume", "end marker"))).noneMatch(f -> "message".equals(f.get("type")));
    }

    @Test
    void showsARetriedSendOnce() {
        ChatClient sender = client(node("n1"), "Sender");
        ChatClient other = client(node("n2"), "Other");
        sender.join("retry");
        other.join("retry");

        Map<String, Object> first = sender.say("retry", "only once", "same-id");
        Map<String, Object> retry = sender.say("retry", "only once", "same-id");

        assertThat(first).containsEntry("duplicate", false);
        assertThat(retry).containsEntry("duplicate", true).containsEntry("offset", first.get("offset"));
        // a later message of the room: both get the room's messages in offset order, so a relayed retry
        // would come before it
        sender.say("retry", "end marker", "end-id");
        for (ChatClient client : List.of(sender, other)) {
            assertThat(client.messages("retry", 1)).extracting(m -> m.get("text")).containsExactly("only once");
            assertThat(client.until(ChatClient.message("retry", "end marker"))).noneMatch(f -> "message".equals(f.get("type")));
        }
    }

    @Test
    void repairsAGapInPubSubFromTheLog() {
        Node node = node("n1");
        ChatClient client = client(node, "Watcher");
        client.join("gap");
        client.say("gap", "one", "g1");
        // A message stored without being published: what a node sees when pub/sub drops one.
        RedisClient raw = RedisClient.create(RedisURI.create("127.0.0.1", redis.port()));
        try (var connection = raw.connect()) {
            RedisCommands<String, String> redisCommands = connection.sync();
            String meta = prefix + "{gap}:meta";
            long offset = redisCommands.hincrby(meta, "offset", 1);
            redisCommands.xadd(prefix + "{gap}:log", new XAddArgs().id(offset + "-0"), Map.of("d", "{\"id\":\"x\",\"text\":\"lost on pubsub\"}"));
            assertThat(offset).isEqualTo(2);
        } finally {
            raw.shutdown();
        }
        client.say("gap", "three", "g3");

        assertThat(client.messages("gap", 3)).extracting(m -> m.get("offset") + ":" + m.get("text"))
                .containsExactly("1:one", "2:lost on pubsub", "3:three");
    }

    @Test
    void tellsTheMemberOfAGapTheLogNoLongerHolds() {
        Node node = node("n1");
        ChatClient client = client(node, "Watcher");
        client.join("trimmed");
        Scenarios.aGapTheLogNoLongerHoldsIsTold(client, client, "trimmed",
                () -> onRedis(redisCommands -> redisCommands.hincrby(prefix + "{trimmed}:meta", "offset", 2)));
    }

    @Test
    void subscribesToARoomOnlyWhileItHasALocalMember() {
        Node first = node("n1");
        Node second = node("n2");
        RedisClient raw = RedisClient.create(RedisURI.create("127.0.0.1", redis.port()));
        try (var connection = raw.connect()) {
            RedisCommands<String, String> redisCommands = connection.sync();
            String channel = prefix + "{subs}";
            java.util.function.LongSupplier subscribers = () -> redisCommands.pubsubNumsub(channel).get(channel);
            assertThat(subscribers.getAsLong()).isZero();

            ChatClient ada = client(first, "Ada");
            ada.join("subs");
            assertThat(subscribers.getAsLong()).isEqualTo(1);
            ChatClient bob = client(second, "Bob");
            bob.join("subs");
            ChatClient carol = client(second, "Carol");
            carol.join("subs");
            assertThat(subscribers.getAsLong()).isEqualTo(2);

            bob.send(Map.of("type", "leave", "room", "subs"));
            bob.await("left");
            carol.close();
            await("second node unsubscribed").atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(25))
                    .until(() -> subscribers.getAsLong() == 1);
            ada.send(Map.of("type", "leave", "room", "subs"));
            ada.await("left");
            await("no node subscribed").atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(25))
                    .until(() -> subscribers.getAsLong() == 0);
        } finally {
            raw.shutdown();
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void listsMembersOnEveryNodeAndRelaysJoinAndLeave() {
        Node first = node("n1");
        Node second = node("n2");
        ChatClient ada = client(first, "Ada");
        ada.join("presence");
        ChatClient bob = ChatClient.connect(second.port(), "Bob");
        Map<String, Object> joined = bob.join("presence");

        assertThat((List<Map<String, Object>>) joined.get("members")).extracting(m -> m.get("name") + "@" + m.get("node"))
                .containsExactlyInAnyOrder("Ada@n1", "Bob@n2");
        assertThat(ada.await(f -> PresenceFrames.announces(f, "join", "name", "Bob"))).isNotNull();

        bob.close();
        assertThat(ada.await(f -> PresenceFrames.announces(f, "leave", "name", "Bob"))).isNotNull();
    }

    @Test
    void joinsOnTwoNodesWithinOneBatchIntervalReachAMemberAsOneFrame() throws InterruptedException {
        // intervals long enough for both joins to surely fall in one
        Node first = node("n1", "switchboard.presence.batch-interval=2s");
        Node second = node("n2", "switchboard.presence.batch-interval=2s");
        ChatClient watcher = client(first, "Watcher");
        watcher.join("beat");
        ChatClient cy = client(first, "Cy");
        ChatClient dee = client(second, "Dee");
        Thread.sleep(2000 - System.currentTimeMillis() % 2000 + 50); // just past a beat of both nodes

        CompletableFuture.allOf(CompletableFuture.runAsync(() -> cy.join("beat")),
                CompletableFuture.runAsync(() -> dee.join("beat"))).join();

        // each node relays its own join on the next beat; the watcher's node gives both to it in one frame
        List<Map<String, Object>> before = watcher.until(f -> PresenceFrames.announces(f, "join", "name", "Cy")
                && PresenceFrames.announces(f, "join", "name", "Dee"));
        assertThat(before).noneMatch(f -> PresenceFrames.announces(f, "join", "name", "Cy")
                || PresenceFrames.announces(f, "join", "name", "Dee"));
    }

    @Test
    @SuppressWarnings("unchecked")
    void dropsTheMembersOfAKilledNodeWithinTheTtl() {
        Node survivor = node("survivor");
        Map<String, String> properties = new java.util.LinkedHashMap<>(Node.redisProperties(redis.port(), prefix, "doomed"));
        properties.put("management.server.port", "-1");
        NodeProcess doomed = track(new NodeProcess(properties));
        ChatClient ghost = track(ChatClient.connect(doomed.port(), "Ghost"));
        ghost.join("ttl");
        ChatClient watcher = client(survivor, "Watcher");
        assertThat((List<Map<String, Object>>) watcher.join("ttl").get("members")).extracting(m -> m.get("name"))
                .contains("Ghost");

        doomed.kill();

        assertThat(watcher.await(f -> PresenceFrames.announces(f, "leave", "name", "Ghost"))).isNotNull();
        ChatClient late = client(survivor, "Late");
        assertThat((List<Map<String, Object>>) late.join("ttl").get("members")).extracting(m -> m.get("name"))
                .containsExactlyInAnyOrder("Watcher", "Late");
    }

    @Test
    void exposesDeliveryConnectionAndRedisMetricsForPrometheus() {
        Node first = node("n1");
        Node second = node("n2");
        ChatClient sender = client(first, "Sender");
        ChatClient receiver = client(second, "Receiver");
        sender.join("metrics");
        receiver.join("metrics");
        sender.say("metrics", "counted", "metric-1");
        receiver.messages("metrics", 1);

        String scrape = io.switchboard.support.Actuator.get(second.managementPort(), "/actuator/prometheus").body();

        assertThat(scrape).contains("switchboard_connections 1.0", "switchboard_rooms 1.0",
                "switchboard_joins_total{result=\"ok\"} 1.0", "switchboard_messages_delivered_total 1.0",
                "switchboard_fanout_latency_seconds_bucket", "switchboard_drain_state 0.0",
                "switchboard_outbox_overflows_total 0.0", "lettuce_command_completion_seconds");
        assertThat(io.switchboard.support.Actuator.get(first.managementPort(), "/actuator/prometheus").body())
                .contains("switchboard_messages_published_total 1.0");
    }
}
