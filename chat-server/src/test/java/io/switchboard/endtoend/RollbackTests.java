package io.switchboard.endtoend;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.support.ChatClient;
import io.switchboard.support.Node;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Redis restarted from an older snapshot: the room keeps its epoch but its offset goes back, and
 * messages stored after the restart would reuse offsets every member already holds.
 */
class RollbackTests extends OnRedis {

    @Test
    void aRedisRestoredFromAnOlderSnapshotGivesTheRoomANewEpochAndNothingNewIsDropped() {
        Node n1 = node("n1");
        Node n2 = node("n2");
        ChatClient ada = track(ChatClient.connect(n1.port(), "Ada"));
        ChatClient bob = track(ChatClient.connect(n2.port(), "Bob"));
        ada.join("restored");
        bob.join("restored");
        for (int i = 1; i <= 3; i++) {
            ada.say("restored", "saved " + i, "saved-" + i);
        }
        onRedis(redisCommands -> redisCommands.save()); // the snapshot: offsets 1-3
        Map<String, Object> lost = null;
        for (int i = 4; i <= 6; i++) {
            lost = ada.say("restored", "after the snapshot " + i, "after-snapshot-" + i);
        }
        assertThat(bob.messages("restored", 6)).hasSize(6);
        String epoch = (String) lost.get("epoch");

        redis.stop();
        redis.start(); // loads the snapshot: the room is back at offset 3 of the same epoch
        String restoredOffset = onRedis(redisCommands -> redisCommands.hget(prefix + "{restored}:meta", "offset"));
        assertThat(restoredOffset).as("restored from the snapshot").isEqualTo("3");

        // stored before or after a node moves the room to a new epoch: either way it arrives once
        ada.sayUntilStored("restored", "after the restore", "after-restore");
        for (ChatClient client : List.of(ada, bob)) {
            Map<String, Object> changed = client.await("epoch_changed");
            assertThat(changed).containsEntry("previousEpoch", epoch);
            assertThat(client.messageTextsUntil(List.of("after the restore"))).containsOnlyOnce("after the restore");
        }
    }
}
