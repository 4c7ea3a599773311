package io.switchboard.endtoend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.switchboard.support.PresenceFrames;
import io.lettuce.core.XAddArgs;
import io.lettuce.core.api.sync.RedisCommands;
import io.switchboard.support.Actuator;
import io.switchboard.support.ChatClient;
import io.switchboard.support.Node;
import io.switchboard.support.Tokens;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The formats of the release before, frozen as test resources (compat/release-0.1.json: every Redis
 * key and channel payload it writes, as it writes them), loaded into a real Redis as if nodes of that
 * release had written them, and read by a node of today: its registry entry, a room's log, position
 * and dedupe keys, presence, a connection count, a publication and ephemeral events on a room
 * channel, a rebalance's control message. A release that stops reading any of them fails here
 * before it breaks a rolling upgrade (docs/operations.md, "Old and new side by side").
 */
class CompatibilityTests extends OnRedis {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    @Test
    @SuppressWarnings("unchecked")
    void aNodeOfTodayReadsWhatTheReleaseBeforeWrote() throws IOException {
        JsonNode formats = formats();
        onRedis(redis -> load(redis, formats.get("keys")));
        Node node = node("n1", "switchboard.rebalance.window=200ms");
        Node jwt = node("n2", Tokens.jwtNode("switchboard.limits.max-connections-per-user=1"));

        // the registry: the old node's entry, without the fields added since
        List<Map<String, Object>> nodes = (List<Map<String, Object>>) Actuator.get(node.managementPort(),
                "/actuator/cluster").json().get("nodes");
        assertThat(nodes).anySatisfy(entry -> assertThat(entry).containsEntry("id", "old-node")
                .containsEntry("connections", 7).containsEntry("state", "ready"));

        // a room's position, log and presence
        try (ChatClient ada = ChatClient.connect(node.port(), "Ada");
             ChatClient oldtimer = ChatClient.connect(node.port(), "Oldtimer")) {
            Map<String, Object> joined = ada.join("compat", "0ld3p0ch0001", 0);
            assertThat(joined).containsEntry("epoch", "0ld3p0ch0001").containsEntry("offset", 2)
                    .containsEntry("recovered", true).containsEntry("epochChanged", false);
            assertThat((List<Map<String, Object>>) joined.get("members")).extracting(m -> m.get("name"))
                    .contains("Oldtimer");
            assertThat(ada.messages("compat", 2)).extracting(m -> m.get("offset") + ":" + m.get("text") + ":" + m.get("fromUser"))
                    .containsExactly("1:written by the old release:null", "2:and its second message:old-user");

            // its dedupe keys: the old sender's retry is recognised
            oldtimer.join("compat");
            assertThat(oldtimer.say("compat", "written by the old release", "old-1")).containsEntry("duplicate", true)
                    .containsEntry("offset", 1);

            // what an old node relays on the room's channel
            onRedis(redis -> {
                for (JsonNode payload : formats.at("/channels/{compat}")) {
                    redis.publish(prefix + "{compat}", payload.stringValue());
                }
                return null;
            });
            assertThat(ada.messages("compat", 1)).extracting(m -> m.get("offset") + ":" + m.get("text"))
                    .containsExactly("3:relayed by the old release");
            assertThat(ada.await("typing")).extracting(f -> ((Map<String, Object>) f.get("member")).get("name"))
                    .isEqualTo("Oldtimer");
            assertThat(ada.await(f -> PresenceFrames.announcesAny(f, "leave")))
                    .containsEntry("room", "compat");

            // a rebalance's control message from an old node: this node sheds the one it is told to
            onRedis(redis -> redis.publish(prefix + "{cluster}:control",
                    formats.at("/channels/{cluster}:control/0").stringValue()));
            await("one of the two moved").atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(25))
                    .until(() -> ada.isClosed() || oldtimer.isClosed());
            ChatClient moved = ada.isClosed() ? ada : oldtimer;
            assertThat(moved.await("reconnect")).containsEntry("reason", "rebalance");
        }

        // a connection the old node counted for its user counts here (the limit is one)
        ChatClient user = track(ChatClient.connectRaw(jwt.port()));
        user.send(Map.of("type", "hello", "token", Tokens.token("old-user", "Old", Duration.ofHours(1), List.of())));
        assertThat(user.await(f -> "error".equals(f.get("type")) || "hello_ok".equals(f.get("type"))))
                .containsEntry("code", "too_many_connections");
    }

    private static JsonNode formats() throws IOException {
        try (InputStream in = CompatibilityTests.class.getResourceAsStream("/compat/release-0.1.json")) {
            return JSON.readTree(in);
        }
    }

    /** Writes each key with the commands the old release used for its type. */
    private Void load(RedisCommands<String, String> redis, JsonNode keys) {
        String far = Long.toString(System.currentTimeMillis() + Duration.ofHours(1).toMillis());
        keys.properties().forEach(entry -> {
            String key = prefix + entry.getKey();
            JsonNode value = entry.getValue();
            if (value.has("hash")) {
                value.get("hash").properties().forEach(field -> redis.hset(key, field.getKey(), field.getValue().stringValue()));
            } else if (value.has("stream")) {
                for (JsonNode item : value.get("stream")) {
                    item.get(1).properties().forEach(field -> redis.xadd(key, new XAddArgs().id(item.get(0).stringValue()),
                            field.getKey(), field.getValue().stringValue()));
                }
            } else if (value.has("string")) {
                redis.set(key, value.get("string").stringValue());
            } else if (value.has("zset")) {
                value.get("zset").properties().forEach(member -> redis.zadd(key,
                        Double.parseDouble(member.getValue().stringValue().replace("FAR", far)), member.getKey()));
            } else if (value.has("set")) {
                value.get("set").forEach(member -> redis.sadd(key, member.stringValue()));
            } else {
                throw new IllegalArgumentException("unknown key type in compat formats: " + value);
            }
        });
        return null;
    }
}
