package io.switchboard.drain;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.protocol.CloseCodes;
import io.switchboard.support.ChatClient;
import io.switchboard.support.Node;
import org.junit.jupiter.api.Test;

class ShutdownTests {

    @Test
    void tellsClientsToReconnectAndClosesWith1012() {
        Node node = Node.inMemory();
        try (ChatClient client = ChatClient.connect(node.port(), "Ada")) {
            client.join("bye");

            node.close();

            assertThat(client.await("reconnect")).containsEntry("reason", "shutdown")
                    .hasEntrySatisfying("retryAfterMs", ms -> assertThat(((Number) ms).longValue()).isBetween(0L, 500L));
            assertThat(client.closeCode()).isEqualTo(CloseCodes.SERVICE_RESTART);
        }
    }
}
