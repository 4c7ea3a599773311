package io.switchboard.endtoend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.switchboard.protocol.CloseCodes;
import io.switchboard.support.ChatClient;
import io.switchboard.support.Node;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

/**
 * The server API (docs/api.md) on real nodes and a real Redis, called as the docs' curl examples do:
 * a message posted on one node reaches a member on another, in order with the clients' messages,
 * and its history; a repeated idempotency key stores nothing; every refusal is problem+json.
 */
class ApiTests extends OnRedis {

    private static final String KEY = "k-shop-0123456789abcdef0123";
    private static final String OLD_KEY = "k-old-0123456789abcdef01234";
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private Node apiNode(String name, String... more) {
        String[] settings = new String[more.length + 2];
        settings[0] = "switchboard.api.keys.shop=" + KEY;
        settings[1] = "switchboard.api.keys.old=" + OLD_KEY;
        System.arraycopy(more, 0, settings, 2, more.length);
        return node(name, settings);
    }

    @Test
    void aMessagePostedOnOneNodeReachesMembersOnAnotherAndItsHistory() {
        Node n1 = apiNode("n1");
        Node n2 = apiNode("n2");
        ChatClient bob = track(ChatClient.connect(n2.port(), "Bob"));
        bob.join("orders");
        bob.say("orders", "where is my parcel?", "b1");

        Answer posted = call(n1, "POST", "/api/rooms/orders/messages", KEY,
                "{\"text\":\"order shipped\",\"sender\":\"Shop\",\"idempotencyKey\":\"order-42\"}");
        assertThat(posted.status).isEqualTo(201);
        assertThat(posted.json()).containsEntry("room", "orders").containsEntry("offset", 2).containsEntry("duplicate", false);
        Map<String, Object> received = bob.await(ChatClient.message("orders", "order shipped"));
        assertThat(received).containsEntry("fromName", "Shop").containsEntry("offset", 2)
                .containsEntry("epoch", posted.json().get("epoch")).containsEntry("from", "api:shop");

        Answer again = call(n2, "POST", "/api/rooms/orders/messages", KEY,
                "{\"text\":\"order shipped\",\"sender\":\"Shop\",\"idempotencyKey\":\"order-42\"}");
        assertThat(again.status).isEqualTo(200);
        assertThat(again.json()).containsEntry("offset", 2).containsEntry("duplicate", true);

        Answer history = call(n2, "GET", "/api/rooms/orders/messages?limit=10", OLD_KEY, null);
        assertThat(history.status).isEqualTo(200);
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> messages = (List<Map<String, Object>>) history.json().get("messages");
        assertThat(messages).extracting(m -> m.get("text")).containsExactly("where is my parcel?", "order shipped");
        assertThat(history.json()).containsEntry("hasMore", false);

        Answer room = call(n1, "GET", "/api/rooms/orders", KEY, null);
        assertThat(room.status).isEqualTo(200);
        assertThat(room.json()).containsEntry("lastOffset", 2).containsEntry("memberCount", 1)
                .containsEntry("epoch", posted.json().get("epoch"));
        assertThat(room.json().get("members").toString()).contains("Bob");
    }

    @Test
    void aBroadcastStoresOneMessagePerRoomAndItsRetryNoSecond() {
        Node n1 = apiNode("n1");
        ChatClient ada = track(ChatClient.connect(n1.port(), "Ada"));
        ada.join("a");
        ada.join("b");
        String body = "{\"rooms\":[\"a\",\"b\"],\"text\":\"maintenance at 10\",\"idempotencyKey\":\"notice-1\"}";

        Answer first = call(n1, "POST", "/api/messages", KEY, body);
        assertThat(first.status).isEqualTo(200);
        assertThat(first.json().get("rooms").toString()).contains("room=a", "room=b", "offset=1", "duplicate=false");
        ada.await(ChatClient.message("a", "maintenance at 10"));
        ada.await(ChatClient.message("b", "maintenance at 10"));

        Answer retry = call(n1, "POST", "/api/messages", KEY, body);
        assertThat(retry.json().get("rooms").toString()).contains("duplicate=true").doesNotContain("duplicate=false");
        assertThat(call(n1, "GET", "/api/rooms/a", KEY, null).json()).containsEntry("lastOffset", 1);
    }

    @Test
    void aDisconnectClosesEveryConnectionOfTheUserOnEveryNodeAndNoOther() {
        Node n1 = apiNode("n1");
        Node n2 = apiNode("n2");
        awaitClusterView(n1, n2);
        ChatClient eveHere = track(ChatClient.connect(n1.port(), "Eve"));
        ChatClient eveThere = track(ChatClient.connect(n2.port(), "Eve"));
        ChatClient bob = track(ChatClient.connect(n1.port(), "Bob"));

        Answer answer = call(n2, "POST", "/api/users/Eve/disconnect", KEY,
                "{\"reason\":\"spam in #lobby\",\"reconnect\":false}");
        assertThat(answer.status).isEqualTo(202);
        assertThat(answer.json()).containsEntry("user", "Eve").containsEntry("reconnect", false);
        for (ChatClient eve : List.of(eveHere, eveThere)) {
            assertThat(eve.closeCode()).isEqualTo(CloseCodes.DISCONNECTED);
            assertThat(eve.closeReason()).isEqualTo("spam in #lobby");
        }
        assertThat(bob.join("lobby")).as("another user's connection").containsEntry("type", "joined");

        ChatClient eveAgain = track(ChatClient.connect(n1.port(), "Eve"));
        call(n1, "POST", "/api/users/Eve/disconnect", KEY, "{\"reconnect\":true}");
        assertThat(eveAgain.closeCode()).isEqualTo(CloseCodes.DISCONNECTED_MAY_RECONNECT);
        assertThat(eveAgain.closeReason()).isEqualTo("disconnected by the app");
    }

    @Test
    void aBannedUserIsTakenOutOfTheRoomOnEveryNodeAndRefusedUntilTheBanIsLifted() {
        Node n1 = apiNode("n1");
        Node n2 = apiNode("n2");
        awaitClusterView(n1, n2);
        ChatClient eveHere = track(ChatClient.connect(n1.port(), "Eve"));
        ChatClient eveThere = track(ChatClient.connect(n2.port(), "Eve"));
        ChatClient bob = track(ChatClient.connect(n1.port(), "Bob"));
        for (ChatClient member : List.of(eveHere, eveThere, bob)) {
            member.join("lobby");
        }

        Answer banned = call(n2, "POST", "/api/rooms/lobby/bans", KEY, "{\"user\":\"Eve\",\"duration\":\"PT10M\"}");
        assertThat(banned.status).as(banned.body).isEqualTo(201);
        assertThat(banned.json()).containsEntry("room", "lobby").containsEntry("user", "Eve").containsKey("until");
        assertThat((String) banned.json().get("until")).as("an ISO-8601 time").matches("\\d{4}-\\d\\d-\\d\\dT.*Z");
        for (ChatClient eve : List.of(eveHere, eveThere)) {
            assertThat(eve.await(f -> "left".equals(f.get("type")))).containsEntry("room", "lobby")
                    .containsEntry("reason", "forbidden");
        }
        eveHere.send(Map.of("type", "join", "room", "lobby", "ref", "j"));
        assertThat(eveHere.await("error")).containsEntry("code", "forbidden").containsEntry("ref", "j");
        eveThere.send(Map.of("type", "send", "room", "lobby", "text", "let me in", "clientMsgId", "e1", "ref", "s"));
        // out of the room already; a send that reaches the broker from a member still in it (a node
        // that missed the order) is refused forbidden there (BrokerContractTests)
        assertThat(eveThere.await("error")).containsEntry("code", "not_joined");
        assertThat(bob.say("lobby", "still here", "b1")).as("another user").containsEntry("type", "ack");
        assertThat(call(n1, "GET", "/api/rooms/lobby/bans", KEY, null).json().get("bans").toString()).contains("user=Eve")
                .as("listed with the end the ban was answered with").contains("until=" + banned.json().get("until"));

        Answer lifted = call(n1, "DELETE", "/api/rooms/lobby/bans/Eve", KEY, null);
        assertThat(lifted.status).isEqualTo(200);
        assertThat(lifted.json()).containsEntry("lifted", true);
        assertThat(eveHere.join("lobby")).containsEntry("type", "joined");
        assertThat(call(n1, "DELETE", "/api/rooms/lobby/bans/Eve", KEY, null).status).as("no ban left").isEqualTo(404);
        assertProblem(call(n1, "POST", "/api/rooms/lobby/bans", KEY, "{\"user\":\"Eve\",\"duration\":-5}"), 400,
                "duration is seconds");
        assertProblem(call(n1, "POST", "/api/rooms/lobby/bans", KEY, "{\"duration\":60}"), 400, "a user is");
    }

    @Test
    void aDeletedMessageIsATombstoneLiveInHistoryAndOnResume() {
        Node n1 = apiNode("n1");
        Node n2 = apiNode("n2");
        ChatClient ada = track(ChatClient.connect(n1.port(), "Ada"));
        ChatClient bob = track(ChatClient.connect(n2.port(), "Bob"));
        ada.join("notes");
        bob.join("notes");
        Map<String, Object> first = ada.say("notes", "one", "a1");
        ada.say("notes", "my password is hunter2", "a2");
        ada.say("notes", "three", "a3");
        bob.messages("notes", 1);
        bob.close();
        String epoch = (String) first.get("epoch");

        Answer deleted = call(n2, "DELETE", "/api/rooms/notes/messages/2", KEY, null);
        assertThat(deleted.status).as(deleted.body).isEqualTo(200);
        assertThat(deleted.json()).containsEntry("offset", 2).containsEntry("epoch", epoch)
                .containsEntry("alreadyDeleted", false);
        assertThat(ada.await("deleted")).containsEntry("room", "notes").containsEntry("epoch", epoch)
                .containsEntry("offset", 2);

        @SuppressWarnings("unchecked")
        List<Map<String, Object>> history = (List<Map<String, Object>>) call(n1, "GET", "/api/rooms/notes/messages",
                KEY, null).json().get("messages");
        assertThat(history).extracting(m -> m.get("offset")).containsExactly(1, 2, 3);
        assertThat(history.get(1)).containsEntry("deleted", true).containsEntry("fromName", "Ada").doesNotContainKey("text");

        ChatClient back = track(ChatClient.connect(n1.port(), "Bob"));
        assertThat(back.join("notes", epoch, 1)).containsEntry("recovered", true);
        List<Map<String, Object>> missed = back.messages("notes", 2);
        assertThat(missed.getFirst()).containsEntry("offset", 2).containsEntry("deleted", true).doesNotContainKey("text");
        assertThat(missed.get(1)).containsEntry("text", "three");

        assertThat(call(n1, "DELETE", "/api/rooms/notes/messages/2?epoch=" + epoch, KEY, null).json())
                .containsEntry("alreadyDeleted", true);
        assertProblem(call(n1, "DELETE", "/api/rooms/notes/messages/99", KEY, null), 404, "no message at offset 99");
        assertProblem(call(n1, "DELETE", "/api/rooms/notes/messages/3?epoch=0ld", KEY, null), 404, "epoch");
        assertProblem(call(n1, "DELETE", "/api/rooms/notes/messages/0", KEY, null), 400, "an offset is");
        assertProblem(call(n1, "DELETE", "/api/rooms/never-used/messages/1", KEY, null), 404, "does not exist");
    }

    @Test
    void theRoomsThatExistAreListedPageByPage() {
        Node n1 = apiNode("n1");
        Set<String> rooms = new TreeSet<>();
        for (int i = 0; i < 7; i++) {
            rooms.add("paged-" + i);
            call(n1, "POST", "/api/rooms/paged-" + i + "/messages", KEY, "{\"text\":\"hi\"}");
        }
        assertThat(allRooms(n1.port(), KEY, 2)).isEqualTo(rooms); // only this test's prefix is scanned
        assertProblem(call(n1, "GET", "/api/rooms?cursor=nonsense", KEY, null), 400, "not a cursor");
        assertProblem(call(n1, "GET", "/api/rooms?cursor=99999999999999999999", KEY, null), 400, "not a cursor");
        assertProblem(call(n1, "GET", "/api/rooms?limit=0", KEY, null), 400, "limit must be");
    }

    /** Every room {@code GET /api/rooms} lists, following {@code next} to the end. */
    @SuppressWarnings("unchecked")
    static Set<String> allRooms(int port, String key, int limit) {
        Set<String> listed = new TreeSet<>();
        String cursor = null;
        for (int page = 0; page < 10_000; page++) {
            Answer answer = call(port, "GET", "/api/rooms?limit=" + limit + (cursor == null ? "" : "&cursor=" + cursor), key, null);
            assertThat(answer.status).as(answer.body).isEqualTo(200);
            listed.addAll((List<String>) answer.json().get("rooms"));
            cursor = (String) answer.json().get("next");
            if (cursor == null) {
                return listed;
            }
        }
        throw new AssertionError("no last page");
    }

    @Test
    void everyRefusalIsProblemJsonAndSaysWhy() {
        Node n1 = apiNode("n1");
        assertProblem(call(n1, "GET", "/api/rooms/x", null, null), 401, "Authorization: Bearer");
        assertProblem(call(n1, "GET", "/api/rooms/x", "k-wrong-0123456789abcdef012", null), 401, "not one of");
        assertProblem(call(n1, "POST", "/api/rooms/x/messages", KEY, "{\"text\":"), 400, "not the JSON object this call takes");
        assertProblem(call(n1, "POST", "/api/rooms/x/messages", KEY, "{\"sender\":\"Shop\"}"), 400, "text must be");
        assertProblem(call(n1, "POST", "/api/rooms/x/messages", KEY, "{\"text\":123}"), 400,
                "not the JSON object this call takes");
        assertProblem(call(n1, "POST", "/api/messages", KEY, "{\"rooms\":[\"x\",7],\"text\":\"hi\"}"), 400,
                "not the JSON object this call takes");
        assertProblem(call(n1, "POST", "/api/users/u/disconnect", KEY, "{\"reconnect\":\"no\"}"), 400,
                "not the JSON object this call takes");
        assertProblem(call(n1, "POST", "/api/rooms/bad%20room/messages", KEY, "{\"text\":\"hi\"}"), 400, "a room is");
        assertProblem(call(n1, "POST", "/api/rooms/x/messages", KEY, "{\"text\":\"hi\",\"idempotencyKey\":\"a b\"}"),
                400, "idempotencyKey");
        assertProblem(call(n1, "GET", "/api/rooms/never-used", KEY, null), 404, "does not exist");
        assertProblem(call(n1, "GET", "/api/rooms/never-used/messages", KEY, null), 404, "does not exist");
        assertProblem(call(n1, "GET", "/api/rooms/x/messages?limit=1000", KEY, null), 400, "limit 1-100");
        assertThat(call(n1, "GET", "/api/rooms/never-used", null, null).raw.headers().firstValue("WWW-Authenticate"))
                .hasValue("Bearer");
    }

    @Test
    void theManagementPortDoesNotServeTheApi() {
        Node n1 = apiNode("n1");
        call(n1, "POST", "/api/rooms/x/messages", KEY, "{\"text\":\"hi\"}");
        Answer management = call(n1.managementPort(), "GET", "/api/rooms/x", KEY, null);
        assertThat(management.status).isEqualTo(404);
        assertThat(management.body).doesNotContain("epoch");
    }

    @Test
    void aKeyBeyondItsBudgetGets429WithRetryAfter() {
        // a token every 1000 s: what the test sees does not depend on how fast it runs
        Node n1 = apiNode("n1", "switchboard.api.requests-per-second=0.001", "switchboard.api.burst=2");
        call(n1, "POST", "/api/rooms/x/messages", KEY, "{\"text\":\"one\"}");
        call(n1, "POST", "/api/rooms/x/messages", KEY, "{\"text\":\"two\"}");
        Answer third = call(n1, "POST", "/api/rooms/x/messages", KEY, "{\"text\":\"three\"}");
        assertProblem(third, 429, "requests-per-second");
        assertThat(third.raw.headers().firstValue("Retry-After")).isPresent();
        assertThat(call(n1, "GET", "/api/rooms/x", OLD_KEY, null).json()).as("the other key's budget")
                .containsEntry("lastOffset", 2);
    }

    @Test
    void withoutKeysTheApiIsOff() {
        Node n1 = node("n1");
        assertProblem(call(n1, "GET", "/api/rooms/x", KEY, null), 404, "switchboard.api.keys");
    }

    @Test
    void aKeyTooShortToBeSafeStopsTheNodeFromStarting() {
        assertThatThrownBy(() -> node("n1", "switchboard.api.keys.shop=secret"))
                .hasStackTraceContaining("switchboard.api.keys.shop must be at least 24 characters");
    }

    private static void assertProblem(Answer answer, int status, String detail) {
        assertThat(answer.status).as(answer.body).isEqualTo(status);
        assertThat(answer.raw.headers().firstValue("Content-Type")).hasValueSatisfying(
                type -> assertThat(type).startsWith("application/problem+json"));
        assertThat(answer.json()).containsEntry("status", status).containsKey("title");
        if (detail != null) {
            assertThat((String) answer.json().get("detail")).contains(detail);
        }
    }

    private static Answer call(Node node, String method, String path, String key, String body) {
        return call(node.port(), method, path, key, body);
    }

    static Answer call(int port, String method, String path, String key, String body) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(10))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            request.header("Content-Type", "application/json");
        }
        if (key != null) {
            request.header("Authorization", "Bearer " + key);
        }
        try {
            HttpResponse<String> response = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
            return new Answer(response.statusCode(), response.body(), response);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    record Answer(int status, String body, HttpResponse<String> raw) {
        @SuppressWarnings("unchecked")
        Map<String, Object> json() {
            return body == null || !body.strip().startsWith("{") ? Map.of() : JSON.readValue(body, Map.class);
        }
    }
}
