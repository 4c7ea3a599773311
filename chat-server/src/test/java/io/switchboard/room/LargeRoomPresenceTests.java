package io.switchboard.room;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.switchboard.support.PresenceFrames;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.switchboard.broker.InMemoryBroker;
import io.switchboard.presence.InMemoryPresence;
import io.switchboard.protocol.ClientFrame;
import io.switchboard.protocol.FrameCodec;
import io.switchboard.room.RoomsTests.TestRecipient;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Above the presence list limit a room is told its member count, not each join and leave. */
class LargeRoomPresenceTests {

    private static final int LIST_LIMIT = 3;
    private static final Duration WAIT = Duration.ofSeconds(10);
    private final StartedRooms node = new StartedRooms(new InMemoryBroker(100, Duration.ofMinutes(1), Duration.ofDays(1),
            Duration.ofMinutes(5), 100_000, Clock.systemUTC()), new InMemoryPresence(LIST_LIMIT),
            new RoomSettings(100, 2, 1000), LIST_LIMIT, Duration.ofMillis(100));
    private final Rooms rooms = node.rooms;

    @AfterEach
    void close() {
        node.close();
    }

    @Test
    void listsAtMostTheLimitAndSendsCountsInsteadOfEachJoinAndLeave() {
        List<TestRecipient> members = new ArrayList<>();
        for (int i = 1; i <= 6; i++) {
            TestRecipient member = new TestRecipient("m" + i);
            rooms.join(member, new ClientFrame.Join("big", null, null));
            member.await("joined");
            members.add(member);
        }
        TestRecipient first = members.getFirst();
        Map<String, Object> lastJoined = members.getLast().await("joined");
        assertThat(lastJoined).containsEntry("memberCount", 6);
        assertThat((List<?>) lastJoined.get("members")).hasSize(LIST_LIMIT);
        assertThat(members.get(1).await("joined")).containsEntry("memberCount", 2);

        // joins 2 and 3 kept the room within the limit: announced one by one; 4 to 6 were counted
        await("m1 is told the room has 6 members").atMost(WAIT).pollInterval(Duration.ofMillis(25))
                .until(() -> hasCount(first, 6));
        await("m1 is told of the joins within the limit").atMost(WAIT).pollInterval(Duration.ofMillis(25))
                .until(() -> joinsSeenBy(first).size() >= 3);
        assertThat(joinsSeenBy(first)).containsExactlyInAnyOrder("m1", "m2", "m3");

        rooms.leave(members.getLast(), "big", "l6");
        members.getLast().await("left");
        node.flushPresence(); // a leave wrongly gathered would be relayed now
        await("m1 is told the room has 5 members").atMost(WAIT).pollInterval(Duration.ofMillis(25))
                .until(() -> hasCount(first, 5));
        assertThat(first.frames).noneMatch(f -> PresenceFrames.announcesAny(f, "leave"));

        for (int i = 5; i >= 3; i--) {
            rooms.leave(members.get(i - 1), "big", "l" + i);
        }
        // down to 2: the last leave is within the limit again, and is announced
        await("m1 sees m3 leave").atMost(WAIT).pollInterval(Duration.ofMillis(25))
                .until(() -> first.frames.stream().anyMatch(f -> PresenceFrames.announces(f, "leave", "id", "m3")));
    }

    private static boolean hasCount(TestRecipient recipient, int count) {
        return recipient.frames.stream().anyMatch(f -> "count".equals(f.get("action"))
                && Integer.valueOf(count).equals(f.get("memberCount")));
    }

    private static List<String> joinsSeenBy(TestRecipient recipient) {
        return recipient.frames.stream().flatMap(f -> PresenceFrames.announced(f, "join").stream())
                .map(member -> (String) member.get("id")).toList();
    }
}
