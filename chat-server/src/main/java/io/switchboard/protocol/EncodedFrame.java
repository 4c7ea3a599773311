package io.switchboard.protocol;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.function.UnaryOperator;

/**
 * A server frame encoded once to UTF-8, to be sent to any number of connections. Each send takes
 * its own {@link #payload() view} of the same bytes: a room's message is encoded once per node, not
 * once per member.
 */
public final class EncodedFrame {

    /** Marks a frame whose compressor answered that compressing does not pay. */
    private static final ByteBuffer UNCOMPRESSED = ByteBuffer.allocate(0);

    private final ByteBuffer utf8;
    /** The compressed bytes once asked for (or {@link #UNCOMPRESSED}); computing them twice in a race is harmless. */
    private volatile ByteBuffer compressed;

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

    /**
     * A fresh view of the bytes as {@code compressor} compresses them, computed on the first call
     * and kept, so a room's frame is compressed once per node however many members take it; or
     * {@code null} when the compressor answers {@code null} (not worth compressing). The compressor
     * is assumed to be the same on every call (a node has one).
     */
    public ByteBuffer compressed(UnaryOperator<ByteBuffer> compressor) {
        ByteBuffer bytes = compressed;
        if (bytes == null) {
            ByteBuffer result = compressor.apply(utf8.duplicate());
            bytes = result == null ? UNCOMPRESSED : result;
            compressed = bytes;
        }
        return bytes == UNCOMPRESSED ? null : bytes.duplicate();
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
