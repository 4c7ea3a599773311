package io.switchboard.protocol;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * A server frame encoded once to UTF-8, to be sent to any number of connections. Each send takes
 * its own {@link #payload() view} of the same bytes: a room's message is encoded once per node, not
 * once per member.
 */
public final class EncodedFrame {

    private final ByteBuffer utf8;

    private EncodedFrame(ByteBuffer utf8) {
        this.utf8 = utf8;
    }

    /** Encodes a frame's JSON text. */
    public static EncodedFrame of(String json) {
        return new EncodedFrame(ByteBuffer.wrap(json.getBytes(StandardCharsets.UTF_8)).asReadOnlyBuffer());
    }

    /** A fresh read-only view of the bytes, for one send (a write consumes its view's position). */
    public ByteBuffer payload() {
        return utf8.duplicate();
    }

    /** Size in bytes. */
    public int length() {
        return utf8.remaining();
    }

    /** The JSON text again (decoded; for tests and logs, not for sending). */
    public String text() {
        return StandardCharsets.UTF_8.decode(utf8.duplicate()).toString();
    }

    @Override
    public String toString() {
        return text();
    }
}
