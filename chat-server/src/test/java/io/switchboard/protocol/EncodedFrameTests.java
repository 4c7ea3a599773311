package io.switchboard.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** A frame's bytes on the wire, read back as RFC 6455 says a client reads them. */
class EncodedFrameTests {

    /** Payload sizes around each header length and fragment boundary, for a frame of one connection's and a shared one. */
    static Stream<Arguments> sizes() {
        return IntStream.of(0, 1, 125, 126, 65_535, 65_536, 65_537, 131_072, 200_000).boxed()
                .flatMap(length -> Stream.of(Arguments.of(length, false), Arguments.of(length, true)));
    }

    @ParameterizedTest(name = "{0} bytes, shared {1}")
    @MethodSource("sizes")
    void theWireBytesAreAnUnmaskedTextFrameOrItsFragmentsOfAtMost64KiB(int length, boolean shared) {
        String json = "é".repeat(length / 2) + "x".repeat(length % 2); // two bytes a character: length bytes
        EncodedFrame frame = shared ? EncodedFrame.shared(json) : EncodedFrame.of(json);

        ByteBuffer wire = frame.wire();
        assertThat(wire.isDirect()).as("in native memory when shared").isEqualTo(shared);
        int total = wire.remaining();
        List<Integer> firstBytes = new ArrayList<>();
        ByteArrayOutputStream payload = new ByteArrayOutputStream();
        while (wire.hasRemaining()) {
            int first = wire.get() & 0xFF;
            firstBytes.add(first);
            int second = wire.get() & 0xFF;
            assertThat(second & 0x80).as("a server's frame is not masked").isZero();
            long size = second & 0x7F;
            if (size == 126) {
                size = wire.getShort() & 0xFFFF;
            } else if (size == 127) {
                size = wire.getLong();
            }
            assertThat(size).isLessThanOrEqualTo(65_536);
            byte[] bytes = new byte[(int) size];
            wire.get(bytes);
            payload.writeBytes(bytes);
        }

        assertThat(payload.toString(StandardCharsets.UTF_8)).isEqualTo(json);
        int frames = Math.max(1, (length + 65_535) / 65_536);
        assertThat(firstBytes).hasSize(frames);
        for (int i = 0; i < frames; i++) {
            int fin = i == frames - 1 ? 0x80 : 0;
            int opcode = i == 0 ? 0x1 : 0x0;
            assertThat(firstBytes.get(i)).as("frame %d", i).isEqualTo(fin | opcode);
        }
        assertThat(frame.length()).isEqualTo(length);
        assertThat(frame.payload()).isEqualTo(ByteBuffer.wrap(json.getBytes(StandardCharsets.UTF_8)));
        assertThat(frame.wire().remaining()).as("a fresh view each time").isEqualTo(total);
    }
}
