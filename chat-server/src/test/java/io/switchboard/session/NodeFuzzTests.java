package io.switchboard.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.switchboard.protocol.ClientFrame;
import io.switchboard.protocol.CloseCodes;
import io.switchboard.protocol.ErrorCode;
import io.switchboard.protocol.FrameCodec;
import io.switchboard.protocol.ProtocolException;
import io.switchboard.support.ChatClient;
import io.switchboard.support.Fuzz;
import io.switchboard.support.FuzzFrames;
import io.switchboard.support.Node;
import io.switchboard.support.RawWebSocket;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.LongStream;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;

/**
 * Random and broken frames thrown at one live node, one connection after another, while a witness
 * pair talks in a room of its own. Each frame must get exactly the answer the protocol gives it
 * (the error the codec names, the session's error, or the frame's normal reply), or the close
 * that its kind calls for (1003 binary, 1009 too big); nothing else, and never silence. The
 * witnesses must see none of it: every message once, in order, and a fresh client is served after.
 *
 * <p>The rate limits are raised out of reach, so what is tested is parsing and validation;
 * {@link LimitsTests} has the limits. The frames come from {@link FuzzFrames}, from this run's
 * seed ({@link Fuzz}).
 */
class NodeFuzzTests {

    private static final int MAX_FRAME_BYTES = 4096;
    private static final int MAX_TEXT = 500;
    private static final int MAX_ROOMS = 2;
    private static final int MAX_BINARY = 1024;
    private static final int CONNECTIONS = 40;
    private static final int FRAMES_PER_CONNECTION = 25;
    /** More rooms than one connection may join, so that some joins are refused, and few, so that most frames find theirs. */
    private static final List<String> ROOMS = List.of("fuzz", "fuzz-1", "fuzz.2");
    /** No generated room is this one (they are {@link #ROOMS}, or random names of up to 64 random characters). */
    private static final String WITNESS_ROOM = "witnesses";
    /** Frames that answer a client frame; the others ({@code message}, {@code presence}) are the room's. */
    private static final Set<String> ANSWERS = Set.of("error", "hello_ok", "pong", "joined", "left", "ack", "history",
            "typing");

    private final FrameCodec codec = new FrameCodec(MAX_TEXT);
    private final FuzzFrames frames = new FuzzFrames(MAX_TEXT, this::room);
    /** The connection throwing frames now. */
    private Fuzzing current;
    /** Frames thrown so far, to say which one failed. */
    private int thrown;

    @Test
    void answersEveryFrameOnceAndLeavesOtherSessionsAlone() throws InterruptedException {
        try (Node node = Node.inMemory("switchboard.limits.max-frame-length=" + MAX_FRAME_BYTES,
                "switchboard.limits.max-text-length=" + MAX_TEXT,
                "switchboard.limits.max-rooms-per-session=" + MAX_ROOMS,
                "switchboard.limits.messages-per-second=1000000", "switchboard.limits.burst=1000000",
                "switchboard.limits.joins-per-second=1000000", "switchboard.limits.join-burst=1000000",
                "switchboard.limits.other-frames-per-second=1000000", "switchboard.limits.other-burst=1000000",
                "switchboard.limits.new-rooms.per-second=1000000", "switchboard.limits.new-rooms.burst=1000000");
             ChatClient ada = ChatClient.connect(node.port(), "Ada");
             ChatClient bob = ChatClient.connect(node.port(), "Bob")) {
            ada.join(WITNESS_ROOM);
            bob.join(WITNESS_ROOM);
            Witnesses witnesses = new Witnesses(ada, bob);
            witnesses.start();

            RandomGenerator random = Fuzz.random();
            for (int c = 0; c < Fuzz.tries(CONNECTIONS); c++) {
                try (Fuzzing fuzzing = new Fuzzing(node.port(), random.nextInt(4) > 0)) {
                    for (int f = 0; f < FRAMES_PER_CONNECTION && fuzzing.throwOne(random); f++) {
                        // until the connection is closed, as some frames must close it
                    }
                }
            }

            List<String> said = witnesses.stop();
            // the end marker: a later message of the witness room, sent once the witnesses' own sends are
            // answered, so any message of the room or answer to them reaches a witness before it
            ada.say(WITNESS_ROOM, "end marker", "w-end");
            for (ChatClient witness : List.of(ada, bob)) {
                List<Map<String, Object>> got = witness.messages(WITNESS_ROOM, said.size());
                assertThat(got).extracting(m -> m.get("text")).containsExactlyElementsOf(said);
                long first = ((Number) got.getFirst().get("offset")).longValue();
                assertThat(got).extracting(m -> ((Number) m.get("offset")).longValue() - first)
                        .as("offsets with no gap").containsExactlyElementsOf(
                                LongStream.range(0, said.size()).boxed().toList());
                assertThat(witness.until(ChatClient.message(WITNESS_ROOM, "end marker"))).as("nothing else came to a witness")
                        .noneMatch(f -> "message".equals(f.get("type")) || "error".equals(f.get("type")));
                assertThat(witness.isClosed()).isFalse();
            }
            await("every fuzzing connection gone").atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(25))
                    .until(() -> node.connections() == 2);

            try (ChatClient carol = ChatClient.connect(node.port(), "Carol")) {
                carol.join(WITNESS_ROOM);
                ada.say(WITNESS_ROOM, "after", "after-ada");
                bob.say(WITNESS_ROOM, "the fuzzing", "after-bob");
                carol.say(WITNESS_ROOM, "too", "after-carol");
                for (ChatClient member : List.of(ada, bob, carol)) {
                    assertThat(member.messages(WITNESS_ROOM, 3)).extracting(m -> m.get("text"))
                            .containsExactly("after", "the fuzzing", "too");
                }
            }
        }
    }

    /**
     * WebSocket control frames thrown at a live node, valid and broken, some between the pieces of a
     * text message: a ping gets its pong (same payload), a pong nothing, a close its close, and a
     * broken control frame (over 125 bytes, fragmented, a close code no one may send, an opcode
     * that does not exist) a close with 1002. Each connection's frames are fenced by text pings, so
     * an extra or missing answer shows; the witnesses miss nothing.
     */
    @Test
    void answersControlFramesAsTheyAskAndClosesOnBrokenOnes() throws Exception {
        try (Node node = Node.inMemory("switchboard.limits.other-frames-per-second=1000000",
                "switchboard.limits.other-burst=1000000", "switchboard.limits.messages-per-second=1000000",
                "switchboard.limits.burst=1000000");
             ChatClient ada = ChatClient.connect(node.port(), "Ada");
             ChatClient bob = ChatClient.connect(node.port(), "Bob")) {
            ada.join(WITNESS_ROOM);
            bob.join(WITNESS_ROOM);
            Witnesses witnesses = new Witnesses(ada, bob);
            witnesses.start();
            RandomGenerator random = Fuzz.random();
            int tries = 0;
            for (int c = 0; c < Fuzz.tries(CONNECTIONS); c++) {
                try (ControlFuzzing fuzzing = new ControlFuzzing(node.port())) {
                    for (int f = 0; f < FRAMES_PER_CONNECTION; f++) {
                        int attempt = tries++;
                        try {
                            if (!fuzzing.throwOne(random)) {
                                break;
                            }
                        } catch (AssertionError | IOException failure) {
                            throw new AssertionError(Fuzz.failed(attempt) + ", control frame " + fuzzing.last, failure);
                        }
                    }
                }
            }
            List<String> said = witnesses.stop();
            for (ChatClient witness : List.of(ada, bob)) {
                assertThat(witness.messages(WITNESS_ROOM, said.size())).extracting(m -> m.get("text"))
                        .containsExactlyElementsOf(said);
            }
            await("every fuzzing connection gone").atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(25))
                    .until(() -> node.connections() == 2);
        }
    }

    /** One raw connection throwing control frames, each followed by a fence. */
    private static final class ControlFuzzing implements AutoCloseable {

        private final RawWebSocket socket;
        private int fences;
        String last;

        ControlFuzzing(int port) throws IOException {
            socket = RawWebSocket.connect(port);
            assertThat(socket.read(Duration.ofSeconds(10)).text()).contains("\"welcome\"");
        }

        /** Throws one control frame and checks its answer; false once the connection is closed (as it had to be). */
        boolean throwOne(RandomGenerator random) throws IOException {
            int kind = random.nextInt(100);
            if (kind < 40) { // a ping: its pong carries the same payload
                byte[] payload = bytes(random, random.nextInt(0, 126));
                last = "ping of " + payload.length + " bytes";
                socket.send(true, RawWebSocket.PING, payload);
                expectPong(payload);
            } else if (kind < 55) { // a pong nobody asked for: no answer
                last = "unsolicited pong";
                socket.send(true, RawWebSocket.PONG, bytes(random, random.nextInt(0, 126)));
            } else if (kind < 70) { // a ping between the pieces of a text message, which is answered once whole
                byte[] payload = bytes(random, random.nextInt(0, 126));
                String ref = "split-" + fences;
                byte[] text = ("{\"type\":\"ping\",\"ref\":\"" + ref + "\"}").getBytes(StandardCharsets.UTF_8);
                int cut = random.nextInt(1, text.length);
                last = "ping inside a text message cut at " + cut;
                socket.send(false, RawWebSocket.TEXT, java.util.Arrays.copyOfRange(text, 0, cut));
                socket.send(true, RawWebSocket.PING, payload);
                socket.send(true, RawWebSocket.CONTINUATION, java.util.Arrays.copyOfRange(text, cut, text.length));
                expectPong(payload);
                expectTextPong(ref);
            } else if (kind < 80) { // a close: answered with a close, then the connection ends
                int code = random.nextBoolean() ? 1000 : 4000 + random.nextInt(1000);
                last = "close " + code;
                socket.sendClose(code);
                assertThat(socket.awaitClose(Duration.ofSeconds(10))).isEqualTo(code);
                return false;
            } else { // broken: closed with 1002
                int broken = random.nextInt(4);
                last = switch (broken) {
                    case 0 -> "ping over 125 bytes";
                    case 1 -> "fragmented ping";
                    case 2 -> "close with code 1005";
                    default -> "opcode 3";
                };
                switch (broken) {
                    case 0 -> socket.send(true, RawWebSocket.PING, bytes(random, random.nextInt(126, 400)));
                    case 1 -> socket.send(false, RawWebSocket.PING, bytes(random, random.nextInt(0, 50)));
                    case 2 -> socket.send(true, RawWebSocket.CLOSE, new byte[] {0x03, (byte) 0xED});
                    default -> socket.send(true, 0x3, bytes(random, 10));
                }
                assertThat(socket.awaitClose(Duration.ofSeconds(10))).isIn(1002, -1);
                return false;
            }
            String fence = "fence-" + fences++;
            socket.sendText("{\"type\":\"ping\",\"ref\":\"" + fence + "\"}");
            expectTextPong(fence);
            return true;
        }

        private void expectPong(byte[] payload) throws IOException {
            RawWebSocket.Frame frame = socket.read(Duration.ofSeconds(10));
            assertThat(frame).as("a pong").isNotNull();
            assertThat(frame.opcode()).as("a pong").isEqualTo(RawWebSocket.PONG);
            assertThat(frame.payload()).isEqualTo(payload);
        }

        private void expectTextPong(String ref) throws IOException {
            RawWebSocket.Frame frame = socket.read(Duration.ofSeconds(10));
            assertThat(frame).as("the answer to " + ref).isNotNull();
            assertThat(frame.opcode()).isEqualTo(RawWebSocket.TEXT);
            assertThat(frame.text()).contains("\"type\":\"pong\"").contains("\"ref\":\"" + ref + "\"");
        }

        private static byte[] bytes(RandomGenerator random, int length) {
            byte[] bytes = new byte[length];
            random.nextBytes(bytes);
            return bytes;
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    /** Often a room the connection is in, so that frames get past not_joined; now and then any. */
    private String room(RandomGenerator random) {
        if (random.nextInt(20) == 0) {
            return FuzzFrames.anyRoom(random);
        }
        List<String> joined = current.rooms.stream().sorted().toList(); // sorted: a seed gives the same frames
        return random.nextBoolean() && !joined.isEmpty() ? joined.get(random.nextInt(joined.size()))
                : ROOMS.get(random.nextInt(ROOMS.size()));
    }

    /**
     * One connection throwing frames, and what it has become: said hello or not, in which rooms.
     * Frames go one at a time: each waits for its answer, then a {@code ping} fence shows that no
     * second answer came.
     */
    private final class Fuzzing implements AutoCloseable {

        private final ChatClient client;
        private final Set<String> rooms = new HashSet<>();
        private boolean helloed;
        private int fences;

        Fuzzing(int port, boolean hello) {
            client = hello ? ChatClient.connect(port, "Fuzz") : ChatClient.connectRaw(port);
            helloed = hello;
            current = this;
            if (hello) { // in a room from the start, so that more frames get past not_joined
                client.join(ROOMS.getFirst());
                rooms.add(ROOMS.getFirst());
            }
        }

        /** Throws one frame and checks what comes back; false once the connection is closed (as it had to be). */
        boolean throwOne(RandomGenerator random) {
            int attempt = thrown++;
            int kind = random.nextInt(100);
            String text = null;
            try {
                if (kind < 1) {
                    byte[] bytes = new byte[random.nextInt(0, 2 * MAX_BINARY)];
                    random.nextBytes(bytes);
                    text = "binary frame of " + bytes.length + " bytes";
                    client.sendBinary(bytes);
                    assertThat(client.closeCode()).isEqualTo(bytes.length > MAX_BINARY
                            ? CloseCodes.MESSAGE_TOO_BIG : CloseCodes.UNSUPPORTED_DATA);
                    return false;
                }
                text = wellFormed(kind < 41 ? frames.valid(random).json() : kind < 81 ? frames.mutated(random)
                        : kind < 90 ? frames.anyJson(random) : kind < 98 ? FuzzFrames.anyText(random) : tooBig(random));
                boolean tooBig = text.getBytes(StandardCharsets.UTF_8).length > MAX_FRAME_BYTES;
                try {
                    if (random.nextInt(kind < 98 ? 8 : 2) == 0) {
                        client.sendFragmented(fragments(text, random));
                    } else {
                        client.sendText(text);
                    }
                } catch (CompletionException closedMidMessage) {
                    if (!tooBig) { // the node may close before the last pieces of a message too big are sent
                        throw closedMidMessage;
                    }
                }
                if (tooBig) {
                    // Never served; closed with 1009, or dropped (a reset) when the node closed while the
                    // client was still writing the message: Jetty fails the connection (RFC 6455 7.1.7).
                    assertThat(client.awaitUnlessClosed(f -> ANSWERS.contains(f.get("type")))).as("no answer").isNull();
                    assertThat(client.closeCode()).isIn(CloseCodes.MESSAGE_TOO_BIG, ChatClient.DROPPED);
                    return false;
                }
                answered(expected(text));
                String fence = "fence-" + fences++;
                client.send(Map.of("type", "ping", "ref", fence));
                assertThat(answer()).as("the next answer is the fence's").containsEntry("type", "pong")
                        .containsEntry("ref", fence);
                return true;
            } catch (AssertionError | RuntimeException failure) {
                throw new AssertionError(Fuzz.failed(attempt) + ", frame " + Fuzz.show(text), failure);
            }
        }

        /** The answer the protocol gives this text on this connection, worked out from the codec and the state. */
        private Expected expected(String text) {
            ClientFrame frame;
            try {
                frame = codec.decode(text);
            } catch (ProtocolException e) {
                return Expected.error(e.code(), e.ref());
            }
            String ref = frame.ref();
            if (frame instanceof ClientFrame.Ping) {
                return Expected.reply("pong", null, ref);
            }
            if (frame instanceof ClientFrame.Hello hello) { // anonymous mode: the name counts, a token does not
                return helloed || hello.name() == null ? Expected.error(ErrorCode.BAD_FRAME, ref)
                        : Expected.reply("hello_ok", null, ref);
            }
            if (!helloed) {
                return Expected.error(ErrorCode.HELLO_REQUIRED, ref);
            }
            return switch (frame) {
                case ClientFrame.Auth auth -> Expected.error(ErrorCode.BAD_FRAME, ref); // anonymous mode
                case ClientFrame.Join join -> rooms.contains(join.room()) || rooms.size() < MAX_ROOMS
                        ? Expected.reply("joined", join.room(), ref) : Expected.error(ErrorCode.TOO_MANY_ROOMS, ref);
                case ClientFrame.Leave leave -> inRoom("left", leave.room(), ref);
                case ClientFrame.Send send -> inRoom("ack", send.room(), ref);
                case ClientFrame.Typing typing -> inRoom("typing", typing.room(), ref);
                case ClientFrame.History history -> inRoom("history", history.room(), ref);
                default -> throw new IllegalStateException("handled above: " + frame);
            };
        }

        private Expected inRoom(String reply, String room, String ref) {
            return rooms.contains(room) ? Expected.reply(reply, room, ref) : Expected.error(ErrorCode.NOT_JOINED, ref);
        }

        /** Checks the answer against the expected one, and keeps what it changed. */
        private void answered(Expected expected) {
            Map<String, Object> answer = answer();
            assertThat(answer).as("the answer").containsEntry("type", expected.type());
            if (expected.code() != null) {
                assertThat(answer).containsEntry("code", expected.code());
                assertThat((String) answer.get("message")).isNotBlank();
            }
            if (expected.room() != null) {
                assertThat(answer).containsEntry("room", expected.room());
            }
            if (!"typing".equals(expected.type())) { // a typing frame is the room's, sent back without a ref
                assertThat(answer.get("ref")).as("ref").isEqualTo(expected.ref());
            }
            switch (expected.type()) {
                case "hello_ok" -> helloed = true;
                case "joined" -> rooms.add(expected.room());
                case "left" -> rooms.remove(expected.room());
                default -> {
                }
            }
        }

        /** The next answer; fails at once if the node closed the connection instead. */
        private Map<String, Object> answer() {
            Map<String, Object> answer = client.awaitUnlessClosed(f -> ANSWERS.contains(f.get("type")));
            assertThat(answer).as(() -> "an answer, not a close with " + client.closeCode()).isNotNull();
            return answer;
        }

        @Override
        public void close() {
            client.close();
        }
    }

    /** An answer: a reply of some type (about a room, echoing a ref), or an error with its code. */
    private record Expected(String type, String code, String room, String ref) {

        static Expected reply(String type, String room, String ref) {
            return new Expected(type, null, room, echoed(ref));
        }

        static Expected error(ErrorCode code, String ref) {
            return new Expected("error", code.wire(), null, echoed(ref));
        }

        /** A ref as it comes back: a lone surrogate (sent as an escape) cannot be written in UTF-8, and becomes '?'. */
        private static String echoed(String ref) {
            return ref == null ? null : new String(ref.getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8);
        }
    }

    /** The two witnesses saying messages in turn, each waiting for its ack, until stopped. */
    private static final class Witnesses {

        private final ChatClient ada;
        private final ChatClient bob;
        private final List<String> said = new ArrayList<>();
        private final AtomicBoolean stopped = new AtomicBoolean();
        private volatile Throwable failure;
        private Thread thread;

        Witnesses(ChatClient ada, ChatClient bob) {
            this.ada = ada;
            this.bob = bob;
        }

        void start() {
            thread = Thread.ofPlatform().name("witnesses").start(() -> {
                try {
                    for (int i = 0; !stopped.get() || i < 2; i++) {
                        String text = "witness " + i;
                        (i % 2 == 0 ? ada : bob).say(WITNESS_ROOM, text, "w-" + i);
                        said.add(text);
                        Thread.sleep(10); // pacing, so that the witnesses do not take the CPU from the fuzzing
                    }
                } catch (Throwable e) {
                    failure = e;
                }
            });
        }

        /** Stops talking; what was said, in order. */
        List<String> stop() throws InterruptedException {
            stopped.set(true);
            thread.join();
            if (failure != null) {
                throw new AssertionError("a witness failed while the node was fuzzed", failure);
            }
            return said;
        }
    }

    /** A valid {@code send} over the byte limit: in ASCII, or in fewer characters than the limit, of three bytes each. */
    private static String tooBig(RandomGenerator random) {
        String text = random.nextBoolean() ? "x".repeat(MAX_FRAME_BYTES + random.nextInt(1, 100))
                : "日".repeat(MAX_FRAME_BYTES / 3 + random.nextInt(10, MAX_FRAME_BYTES / 2));
        return "{\"type\":\"send\",\"room\":\"fuzz\",\"text\":\"" + text + "\",\"clientMsgId\":\"big\"}";
    }

    /** The text in 2-5 pieces, none splitting a surrogate pair. */
    private static List<String> fragments(String text, RandomGenerator random) {
        List<String> parts = new ArrayList<>();
        int start = 0;
        for (int n = random.nextInt(1, 5); n > 0 && start < text.length(); n--) {
            int end = random.nextInt(start, text.length() + 1);
            if (end > 0 && end < text.length() && Character.isHighSurrogate(text.charAt(end - 1))) {
                end++;
            }
            parts.add(text.substring(start, end));
            start = end;
        }
        parts.add(text.substring(start));
        return parts;
    }

    /**
     * The text with each lone surrogate replaced by U+FFFD: a WebSocket text message is UTF-8, which
     * cannot carry one (the JDK client refuses to). Lone surrogates still reach the node as JSON escapes.
     */
    private static String wellFormed(String text) {
        StringBuilder out = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                out.append(c).append(text.charAt(++i));
            } else {
                out.append(Character.isSurrogate(c) ? '\ufffd' : c);
            }
        }
        return out.toString();
    }
}
