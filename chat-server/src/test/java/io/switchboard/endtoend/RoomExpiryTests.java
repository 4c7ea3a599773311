package io.switchboard.endtoend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanIterator;
import io.lettuce.core.api.sync.RedisCommands;
import io.switchboard.support.ChatClient;
import io.switchboard.support.Node;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Rooms do not outlive {@code switchboard.history.retention} in Redis, nor a room that never held a
 * message its last member by more than {@code empty-room-retention}, on a real Redis.
 */
class RoomExpiryTests extends OnRedis {

    @Test
    void roomsJoinedAndLeftLeaveNoKeyPastTheRetention() {
        Node node = node("n1", "switchboard.history.retention=2s", "switchboard.limits.new-rooms.burst=1000",
                "switchboard.limits.join-burst=1000");
        try (ChatClient visitor = ChatClient.connect(node.port(), "Visitor")) {
            for (int i = 0; i < 300; i++) {
                String room = "made-up-" + i;
                visitor.join(room);
                visitor.leave(room);
            }
            visitor.join("talked-in");
            visitor.say("talked-in", "a message", "m-1");
        }

        onRedis(redisCommands -> {
            String nodeMembers = prefix + "node:n1:members";
            await("the visitor's presence gone").atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(25))
                    .until(() -> redisCommands.exists(nodeMembers) == 0);
            List<String> keys = roomKeys(redisCommands);
            assertThat(keys).isNotEmpty().allSatisfy(key -> assertThat(redisCommands.ttl(key)).as("TTL of " + key)
                    .isNotEqualTo(-1L) // -1: a key that never expires; -2: expired since the scan
                    .isLessThanOrEqualTo(2L));
            await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(25))
                    .untilAsserted(() -> assertThat(roomKeys(redisCommands).isEmpty())
                    .as(() -> "keys left: " + roomKeys(redisCommands)).isTrue());
            return null;
        });
    }

    @Test
    void aRoomThatNeverHeldAMessageLivesWhileItHasMembersAndGoesSoonAfterTheLastOneLeft() {
        Node node = node("n1", "switchboard.history.empty-room-retention=2s", "switchboard.presence.ttl=900ms");
        String meta = prefix + "{quiet}:meta";
        try (ChatClient ada = ChatClient.connect(node.port(), "Ada")) {
            Object epoch = ada.join("quiet").get("epoch");
            ada.join("talked-in");
            ada.say("talked-in", "a message", "m-1");
            onRedis(redisCommands -> {
                // well past the empty room's retention: Ada's presence keeps it, at the same epoch
                await("the quiet room exists").atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(25))
                        .until(() -> redisCommands.pttl(meta) > 0);
                long until = System.nanoTime() + Duration.ofSeconds(5).toNanos();
                while (System.nanoTime() < until) {
                    assertThat(redisCommands.exists(meta)).as("kept while Ada is in it").isEqualTo(1L);
                    assertThat(redisCommands.pttl(meta)).isLessThanOrEqualTo(2_000L);
                    sleep(200);
                }
                return null;
            });
            try (ChatClient bob = ChatClient.connect(node.port(), "Bob")) {
                assertThat(bob.join("quiet")).containsEntry("epoch", epoch);
                bob.leave("quiet");
            }
            ada.leave("quiet");
            onRedis(redisCommands -> {
                await("the quiet room gone after its last member").atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(25))
                        .until(() -> redisCommands.exists(meta) == 0);
                assertThat(redisCommands.ttl(prefix + "{talked-in}:meta")).as("a room written to keeps its retention")
                        .isGreaterThan(Duration.ofDays(29).toSeconds());
                return null;
            });
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** This test's keys, except the cluster's own (node registry), which live as long as the node. */
    private List<String> roomKeys(RedisCommands<String, String> redisCommands) {
        List<String> keys = new ArrayList<>();
        ScanIterator.scan(redisCommands, ScanArgs.Builder.matches(prefix + "*").limit(500)).forEachRemaining(keys::add);
        keys.removeIf(key -> key.startsWith(prefix + "{cluster}"));
        return keys;
    }
}
