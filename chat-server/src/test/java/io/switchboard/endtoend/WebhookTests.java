package io.switchboard.endtoend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.switchboard.support.ChatClient;
import io.switchboard.support.Node;
import io.switchboard.support.NodeProcess;
import io.switchboard.support.WebhookReceiver.Mode;
import io.switchboard.support.WebhookReceiver;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Webhooks (docs/webhooks.md) against real nodes, a real Redis and a real HTTP receiver that checks
 * every signature as the docs tell a receiver to: every event arrives, at least once and in order
 * per room, through a receiver that fails and goes away, and through a node killed midway.
 */
class WebhookTests extends OnRedis {

    private static final String KEY = "k-shop-0123456789abcdef0123";
    private static final String SECRET = "whsec-0123456789abcdef0123456789";
    private static final String ALL_EVENTS =
            "message.created,message.deleted,room.occupied,room.vacated,member.joined,member.left";
    private static final Duration PATIENCE = Duration.ofSeconds(60);

    /** A webhook to the receiver: quick retries, short leases, as a test wants them. */
    private static Map<String, String> webhook(WebhookReceiver receiver, String events, int maxAttempts) {
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("switchboard.api.keys.shop", KEY);
        settings.put("switchboard.webhooks[0].name", "app");
        settings.put("switchboard.webhooks[0].url", receiver.url());
        settings.put("switchboard.webhooks[0].secret", SECRET);
        settings.put("switchboard.webhooks[0].events", events);
        settings.put("switchboard.webhooks[0].initial-backoff", "50ms");
        settings.put("switchboard.webhooks[0].max-backoff", "400ms");
        settings.put("switchboard.webhooks[0].max-attempts", Integer.toString(maxAttempts));
        settings.put("switchboard.webhook-delivery.lease", "2s");
        settings.put("switchboard.webhook-delivery.poll-interval", "50ms");
        return settings;
    }

    private static String[] pairs(Map<String, String> settings) {
        return settings.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toArray(String[]::new);
    }

    private Node webhookNode(String name, WebhookReceiver receiver, String events) {
        return node(name, pairs(webhook(receiver, events, 1000)));
    }

    private static ApiTests.Answer post(Node node, String room, String text) {
        ApiTests.Answer answer = ApiTests.call(node.port(), "POST", "/api/rooms/" + room + "/messages", KEY,
                "{\"text\":\"" + text + "\",\"sender\":\"Shop\"}");
        assertThat(answer.status()).as(answer.body()).isEqualTo(201);
        return answer;
    }

    /** The room's events the receiver took, each once (by id, first time), in the order they first came. */
    private static List<Map<String, Object>> takenOnce(WebhookReceiver receiver, String room) {
        Map<Object, Map<String, Object>> once = new LinkedHashMap<>();
        receiver.taken().stream().filter(event -> room.equals(event.get("room")))
                .forEach(event -> once.putIfAbsent(event.get("id"), event));
        return new ArrayList<>(once.values());
    }

    private static List<Long> offsets(List<Map<String, Object>> events) {
        return events.stream().map(event -> ((Number) event.get("offset")).longValue()).toList();
    }

    private static List<Long> oneTo(long n) {
        return LongStream.rangeClosed(1, n).boxed().toList();
    }

    @Test
    void aMessagePostedOnOneNodeReachesAMemberOnAnotherAndTheReceiverSignedAndInOrder() {
        WebhookReceiver receiver = track(new WebhookReceiver(SECRET));
        Node n1 = webhookNode("n1", receiver, ALL_EVENTS);
        Node n2 = webhookNode("n2", receiver, ALL_EVENTS);
        ChatClient bob = track(ChatClient.connect(n2.port(), "Bob"));
        bob.join("orders");

        ApiTests.Answer posted = post(n1, "orders", "order shipped");
        Map<String, Object> live = bob.await(ChatClient.message("orders", "order shipped"));
        assertThat(ApiTests.call(n2.port(), "DELETE", "/api/rooms/orders/messages/1", KEY, null).status()).isEqualTo(200);
        bob.close();

        await().atMost(PATIENCE).until(() -> takenOnce(receiver, "orders").size() == 6);
        List<Map<String, Object>> events = takenOnce(receiver, "orders");
        assertThat(events).extracting(event -> event.get("type")).containsExactly("room.occupied", "member.joined",
                "message.created", "message.deleted", "member.left", "room.vacated");
        assertThat(events).extracting(event -> ((Number) event.get("seq")).longValue()).isSorted().doesNotHaveDuplicates();
        Map<String, Object> created = events.get(2);
        assertThat(created).containsEntry("epoch", posted.json().get("epoch")).containsEntry("offset", 1)
                .containsEntry("room", "orders");
        @SuppressWarnings("unchecked")
        Map<String, Object> message = (Map<String, Object>) created.get("message");
        assertThat(message).containsEntry("text", "order shipped").containsEntry("fromName", "Shop")
                .containsEntry("id", live.get("id"));
        assertThat(events.get(3)).containsEntry("offset", 1).containsEntry("epoch", posted.json().get("epoch"));
        assertThat(events.get(1).get("member").toString()).contains("name=Bob");
        assertThat(receiver.requests()).allSatisfy(request -> {
            assertThat(request.signed()).as("signature").isTrue();
            assertThat(request.eventId()).isEqualTo(request.event().get("id"));
            assertThat(request.type()).isEqualTo(request.event().get("type"));
        });
    }

    @Test
    void aReceiverFailingEveryOtherRequestAndDownForTenSecondsGetsEveryEventInOrderPerRoom() throws InterruptedException {
        WebhookReceiver receiver = track(new WebhookReceiver(SECRET));
        receiver.mode(Mode.FAIL_EVERY_OTHER);
        Node n1 = webhookNode("n1", receiver, "message.created");
        Node n2 = webhookNode("n2", receiver, "message.created");
        List<String> rooms = List.of("r0", "r1", "r2");
        int sent = 0;
        for (; sent < 12; sent++) {
            post(sent % 2 == 0 ? n1 : n2, rooms.get(sent % 3), "m" + sent);
        }
        receiver.stop();
        for (; sent < 24; sent++) {
            post(sent % 2 == 0 ? n1 : n2, rooms.get(sent % 3), "m" + sent);
        }
        Thread.sleep(10_000); // the receiver is down
        receiver.start();
        for (; sent < 30; sent++) {
            post(sent % 2 == 0 ? n1 : n2, rooms.get(sent % 3), "m" + sent);
        }

        await().atMost(PATIENCE).until(() -> rooms.stream().allMatch(room -> takenOnce(receiver, room).size() == 10));
        for (String room : rooms) {
            List<Map<String, Object>> taken = receiver.taken().stream().filter(e -> room.equals(e.get("room"))).toList();
            assertThat(offsets(taken)).as("every event of %s, taken in order", room).isSorted()
                    .containsAll(oneTo(10));
            assertThat(offsets(takenOnce(receiver, room))).isEqualTo(oneTo(10));
        }
        assertThat(receiver.requests()).as("refused ones").anyMatch(request -> request.status() == 500);
        assertThat(receiver.requests()).allMatch(WebhookReceiver.Request::signed);
    }

    @Test
    void aNodeKilledWithEventsInFlightLeavesThemToAnother() {
        WebhookReceiver receiver = track(new WebhookReceiver(SECRET));
        receiver.mode(Mode.FAIL_ALL);
        Map<String, String> properties = new LinkedHashMap<>(Node.redisProperties(redis.port(), prefix, "doomed"));
        properties.put("management.server.port", "-1");
        properties.putAll(webhook(receiver, "message.created", 1000));
        NodeProcess doomed = track(new NodeProcess(properties));
        for (int i = 1; i <= 5; i++) {
            ApiTests.Answer answer = ApiTests.call(doomed.port(), "POST", "/api/rooms/k/messages", KEY,
                    "{\"text\":\"m" + i + "\"}");
            assertThat(answer.status()).isEqualTo(201);
        }
        await().atMost(PATIENCE).until(() -> receiver.requests().size() >= 3); // the doomed node is trying
        doomed.kill();
        receiver.mode(Mode.ACCEPT);
        int before = receiver.requests().size();

        webhookNode("survivor", receiver, "message.created");
        await().atMost(PATIENCE).until(() -> takenOnce(receiver, "k").size() == 5);
        assertThat(offsets(takenOnce(receiver, "k"))).isEqualTo(oneTo(5));
        assertThat(receiver.requests().subList(before, receiver.requests().size()))
                .as("all from the survivor, after the kill").isNotEmpty();
    }

    @Test
    void anEventTheReceiverNeverTookIsParkedListedAndReplayed() {
        WebhookReceiver receiver = track(new WebhookReceiver(SECRET));
        receiver.mode(Mode.FAIL_ALL);
        Node n1 = node("n1", pairs(webhook(receiver, "message.created", 2)));
        post(n1, "parked", "first try fails");
        post(n1, "parked", "so does this");

        await().atMost(PATIENCE).until(() -> deadLetters(n1).size() == 2);
        Map<String, Object> letter = deadLetters(n1).getFirst();
        assertThat(letter).containsEntry("room", "parked").containsEntry("error", "HTTP 500");
        assertThat(letter.get("event").toString()).contains("type=message.created", "offset=1");
        assertThat(receiver.requests()).hasSize(4); // two attempts each

        receiver.mode(Mode.ACCEPT);
        ApiTests.Answer replay = ApiTests.call(n1.port(), "POST", "/api/webhooks/app/dead-letters/replay", KEY,
                "{\"ids\":[\"" + letter.get("id") + "\"]}");
        assertThat(replay.status()).as(replay.body()).isEqualTo(200);
        assertThat(replay.body()).contains("\"delivered\":true");
        assertThat(offsets(takenOnce(receiver, "parked"))).containsExactly(1L);
        assertThat(deadLetters(n1)).hasSize(1);
        ApiTests.call(n1.port(), "POST", "/api/webhooks/app/dead-letters/replay", KEY, "{}");
        assertThat(deadLetters(n1)).isEmpty();
        assertThat(offsets(takenOnce(receiver, "parked"))).containsExactly(1L, 2L);
        assertThat(ApiTests.call(n1.port(), "GET", "/api/webhooks/nope/dead-letters", KEY, null).status()).isEqualTo(404);
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> deadLetters(Node node) {
        ApiTests.Answer answer = ApiTests.call(node.port(), "GET", "/api/webhooks/app/dead-letters", KEY, null);
        assertThat(answer.status()).as(answer.body()).isEqualTo(200);
        return (List<Map<String, Object>>) answer.json().get("deadLetters");
    }

    @Test
    void withTheInMemoryBrokerEventsGoThroughABoundedQueue() {
        WebhookReceiver receiver = track(new WebhookReceiver(SECRET));
        receiver.mode(Mode.FAIL_EVERY_OTHER);
        Node single = track(Node.inMemory(Stream.concat(Stream.of(pairs(webhook(receiver, ALL_EVENTS, 1000))),
                Stream.of("switchboard.webhook-delivery.queue-size=100")).toArray(String[]::new)));
        ChatClient ada = track(ChatClient.connect(single.port(), "Ada"));
        ada.join("solo");
        for (int i = 1; i <= 5; i++) {
            ada.say("solo", "m" + i, "c" + i);
        }
        ada.close();
        await().atMost(PATIENCE).until(() -> takenOnce(receiver, "solo").size() == 9);
        assertThat(takenOnce(receiver, "solo")).extracting(event -> event.get("type")).containsExactly("room.occupied",
                "member.joined", "message.created", "message.created", "message.created", "message.created",
                "message.created", "member.left", "room.vacated");
        assertThat(new LinkedHashSet<>(offsets(takenOnce(receiver, "solo").subList(2, 7)))).containsExactly(1L, 2L, 3L, 4L, 5L);
    }
}
