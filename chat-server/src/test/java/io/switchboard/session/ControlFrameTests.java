package io.switchboard.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.MeterRegistry;
import io.switchboard.protocol.CloseCodes;
import io.switchboard.support.ChatClient;
import io.switchboard.support.Node;
import io.switchboard.support.RawWebSocket;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * WebSocket control frames cost the node no more than data frames do: a peer's pings and pongs draw
 * on a budget, and the node's pongs to it on the outbox, so a client that floods pings and never
 * reads is cut, the same as one that does not read its messages, while everyone else misses
 * nothing. And a socket that never says hello is closed.
 */
class ControlFrameTests {

    private static final byte[] PING = new byte[125];

    static {
        Arrays.fill(PING, (byte) 'p');
    }

    @Test
    void aPeerThatPingsWithinItsBudgetButNeverReadsIsCutAsASlowConsumer() throws Exception {
        // The flooder never says hello: the hello timeout is set beyond the test, or under the suite's parallel
        // load it closed the flooder (4003) before the pongs had filled the socket's buffers and the outbox, no
        // overflow was counted, and the close, stuck behind the pongs, left the flood running for minutes (a
        // clean-clone CI run, 108 s; a full run, 214 s). With it set, beside four CPU hogs the outbox overflows
        // in 13-24 s. The send timeout stays the default (10 s): with 2 s a slow machine could read fewer pings
        // in that time than the outbox holds, and cut the flooder for no write progress before it overflowed.
        try (Node node = Node.inMemory("switchboard.limits.hello-timeout=10m",
                "switchboard.limits.other-frames-per-second=1000000",
                "switchboard.limits.other-burst=1000000");
             Witnesses witnesses = Witnesses.on(node);
             RawWebSocket flooder = RawWebSocket.connect(node.port(), 4096)) {
            // far more than the node lets through: on a fast machine it reads two million pings in well
            // under a second, before the pongs it cannot write have filled the outbox
            int most = 50_000_000;
            int sent = flood(flooder, RawWebSocket.PING, most);

            await("the flooder cut off").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(25))
                    .until(() -> node.connections() == 2);
            assertThat(sent).as("the flood ended with the connection, before its end").isLessThan(most);
            assertThat(node.bean(MeterRegistry.class).counter("switchboard.outbox.overflows").count()).isEqualTo(1);
            witnesses.missNothing();
        }
    }

    @Test
    void pingsBeyondTheBudgetAreNotAnsweredAndAPeerThatKeepsPingingIsClosedWith1008() throws Exception {
        try (Node node = Node.inMemory("switchboard.limits.other-burst=20", "switchboard.limits.abuse-threshold=50");
             Witnesses witnesses = Witnesses.on(node);
             RawWebSocket flooder = RawWebSocket.connect(node.port())) {
            flood(flooder, RawWebSocket.PING, 2_000_000);

            int pongs = 0;
            int closeCode = -1;
            for (RawWebSocket.Frame frame = flooder.read(Duration.ofSeconds(10)); frame != null;
                 frame = flooder.read(Duration.ofSeconds(10))) {
                if (frame.opcode() == RawWebSocket.PONG) {
                    assertThat(frame.payload()).isEqualTo(PING);
                    pongs++;
                } else if (frame.opcode() == RawWebSocket.CLOSE) {
                    closeCode = ((frame.payload()[0] & 0xFF) << 8) | (frame.payload()[1] & 0xFF);
                    break;
                }
            }
            if (closeCode == -1) {
                // the node closed with pings still unread in its socket, so its kernel answered them with a
                // reset, which may discard what the flooder had not read yet (pongs, the close frame): the
                // node's count says how it closed, and no more than the budget was answered
                MeterRegistry meters = node.bean(MeterRegistry.class);
                await("the node's count of its 1008 closes").atMost(Duration.ofSeconds(10))
                        .pollInterval(Duration.ofMillis(25))
                        .until(() -> meters.counter("switchboard.closes", "code", "1008").count() == 1);
                assertThat(pongs).as("at most the burst, and what refilled meanwhile").isLessThanOrEqualTo(40);
            } else {
                assertThat(closeCode).isEqualTo(CloseCodes.POLICY_VIOLATION);
                assertThat(pongs).as("the burst, and what refilled meanwhile").isBetween(20, 40);
            }
            await("the flooder gone").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(25))
                    .until(() -> node.connections() == 2);
            witnesses.missNothing();
        }
    }

    /**
     * Pongs nobody asked for are no cheaper a flood than pings: while the bytes keep coming, the thread
     * reading them has no other work between two pongs to give way to, so a peer sending them as fast
     * as it can is closed like any other flooder, and everyone else's messages keep arriving.
     */
    @Test
    void aPeerThatKeepsSendingPongsIsClosedWith1008() throws Exception {
        try (Node node = Node.inMemory("switchboard.limits.other-burst=20", "switchboard.limits.abuse-threshold=50");
             Witnesses witnesses = Witnesses.on(node);
             RawWebSocket flooder = RawWebSocket.connect(node.port())) {
            int most = 50_000_000;
            int sent = flood(flooder, RawWebSocket.PONG, most);

            assertThat(sent).as("the flood ended with the connection, before its end").isLessThan(most);
            MeterRegistry meters = node.bean(MeterRegistry.class);
            await("the node's count of its 1008 closes").atMost(Duration.ofSeconds(30))
                    .pollInterval(Duration.ofMillis(25))
                    .until(() -> meters.counter("switchboard.closes", "code", "1008").count() == 1);
            await("the flooder gone").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(25))
                    .until(() -> node.connections() == 2);
            witnesses.missNothing();
        }
    }

    @Test
    void aPingWithinTheBudgetIsAnsweredWithItsPayload() throws Exception {
        try (Node node = Node.inMemory();
             RawWebSocket client = RawWebSocket.connect(node.port())) {
            assertThat(client.read(Duration.ofSeconds(10)).text()).contains("\"welcome\"");
            client.send(true, RawWebSocket.PING, "are you there".getBytes());
            RawWebSocket.Frame pong = client.read(Duration.ofSeconds(10));
            assertThat(pong.opcode()).isEqualTo(RawWebSocket.PONG);
            assertThat(pong.text()).isEqualTo("are you there");
        }
    }

    @Test
    void aSocketThatSaysNoHelloIsClosedWith4003EvenIfItAnswersPings() throws Exception {
        try (Node node = Node.inMemory("switchboard.limits.hello-timeout=1s", "switchboard.heartbeat.interval=200ms");
             RawWebSocket silent = RawWebSocket.connect(node.port());
             ChatClient polite = ChatClient.connect(node.port(), "Polite")) {
            int closeCode = -1;
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (System.nanoTime() < deadline) {
                RawWebSocket.Frame frame = silent.read(Duration.ofSeconds(20));
                assertThat(frame).as("a close, not the end of the socket").isNotNull();
                if (frame.opcode() == RawWebSocket.PING) { // it answers the heartbeat's pings: alive, but no hello
                    silent.send(true, RawWebSocket.PONG, frame.payload());
                } else if (frame.opcode() == RawWebSocket.CLOSE) {
                    closeCode = ((frame.payload()[0] & 0xFF) << 8) | (frame.payload()[1] & 0xFF);
                    break;
                }
            }
            assertThat(closeCode).isEqualTo(CloseCodes.HELLO_TIMEOUT);
            polite.join("still");
            assertThat(polite.isClosed()).as("a connection that said hello stays").isFalse();
        }
    }

    /**
     * Sends up to {@code most} 125-byte control frames of {@code opcode} without reading; answers how
     * many went before the node cut the socket.
     */
    private static int flood(RawWebSocket flooder, int opcode, int most) {
        int sent = 0;
        try {
            while (sent < most) {
                flooder.send(true, opcode, PING);
                sent++;
            }
        } catch (IOException cut) {
            // the node ended the connection
        }
        return sent;
    }

    /** Two clients in one room, beside a flooder. */
    private record Witnesses(ChatClient ada, ChatClient bob) implements AutoCloseable {

        static Witnesses on(Node node) {
            ChatClient ada = ChatClient.connect(node.port(), "Ada");
            ChatClient bob = null;
            try {
                bob = ChatClient.connect(node.port(), "Bob");
                ada.join("witnesses");
                bob.join("witnesses");
                return new Witnesses(ada, bob);
            } catch (RuntimeException e) {
                if (bob != null) {
                    bob.close();
                }
                ada.close();
                throw e;
            }
        }

        /** They talk after the flood: every message once and in order, to both. */
        void missNothing() {
            List<String> said = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                String text = "after the flood " + i;
                (i % 2 == 0 ? ada : bob).say("witnesses", text, "w" + i);
                said.add(text);
            }
            for (ChatClient witness : List.of(ada, bob)) {
                assertThat(witness.messages("witnesses", said.size())).extracting(m -> m.get("text"))
                        .containsExactlyElementsOf(said);
                assertThat(witness.isClosed()).isFalse();
            }
        }

        @Override
        public void close() {
            bob.close();
            ada.close();
        }
    }
}
