package io.switchboard.support;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;

/** What the tests check on every Redis topology (one server, Sentinel, Cluster), written once. */
public final class Scenarios {

    private Scenarios() {
    }

    /**
     * A gap the log no longer holds is told: {@code sender} stores "one", {@code skipTwoOffsets}
     * moves the room's offset on by two in Redis (two messages stored without being published and
     * already trimmed from the log: what a node sees when pub/sub dropped messages the log has since
     * let go), then "four". {@code member} gets {@code gap 2-3} and offsets 1 and 4.
     */
    public static void aGapTheLogNoLongerHoldsIsTold(ChatClient sender, ChatClient member, String room,
                                                    Runnable skipTwoOffsets) {
        sender.sayUntilStored(room, "one", room + "-1");
        skipTwoOffsets.run();
        sender.say(room, "four", room + "-4");
        assertThat(member.await("gap")).containsEntry("room", room).containsEntry("from", 2).containsEntry("to", 3);
        assertThat(member.messages(room, 2)).extracting(m -> m.get("offset") + ":" + m.get("text"))
                .containsExactly("1:one", "4:four");
    }

    /**
     * {@code visitor} joins and leaves {@code rooms} made-up rooms, then {@code cutOff} clients of
     * the node on {@code port} close abruptly with a join of room "cut-off" in flight.
     */
    public static void leaveRoomsAndCutOffJoins(ChatClient visitor, int port, int rooms, int cutOff) {
        for (int i = 0; i < rooms; i++) {
            visitor.join("made-up-" + i);
            visitor.leave("made-up-" + i);
        }
        for (int i = 0; i < cutOff; i++) {
            ChatClient gone = ChatClient.connect(port, "Gone" + i);
            gone.send(Map.of("type", "join", "room", "cut-off"));
            gone.close(); // abrupt, with the join in flight
        }
    }
}
