package io.switchboard.protocol;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.function.UnaryOperator;

/**
 * A server frame encoded once to UTF-8, to be sent to any number of connections. Each send takes
 * its own {@link #payload() view} of the same bytes: a room's message is encoded once per node, not
 * once per member. A server frame is not masked, so the whole WebSocket frame, header included, is
 * the same bytes for every recipient too ({@link #wire()}).
 */
public final class EncodedFrame {

    /** Marks a frame whose compressor answered that compressing does not pay. */
    private static final ByteBuffer UNCOMPRESSED = ByteBuffer.allocate(0);

    /**
     * The largest payload sent as one WebSocket frame; a longer one (a long history page) goes as
     * fragments of at most this, as Jetty's own sending did (its default {@code maxFrameSize}).
     */
    static final int MAX_FRAME_PAYLOAD = 64 * 1024;
    private static final byte FIN_TEXT = (byte) 0x81;
    private static final byte TEXT = 0x01;
    private static final byte FIN_CONTINUATION = (byte) 0x80;
    private static final byte CONTINUATION = 0x00;

    private final ByteBuffer utf8;
    /** The compressed bytes once asked for (or {@link #UNCOMPRESSED}); computing them twice in a race is harmless. */
    private volatile ByteBuffer compressed;
    /** The whole text frame (or its fragments), header and payload; for a long payload built on first use, as above. */
    private volatile ByteBuffer wire;
    /** Whether the bytes are in native memory ({@link #shared}). */
    private final boolean direct;

    private EncodedFrame(ByteBuffer utf8, ByteBuffer wire, boolean direct) {
        this.utf8 = utf8;
        this.wire = wire;
        this.direct = direct;
    }

    /**
     * Encodes a frame's JSON text, with its WebSocket header in front in the same array when it goes
     * in one frame, so that {@link #payload()} and {@link #wire()} share the bytes.
     */
    public static EncodedFrame of(String json) {
        return encode(json, false);
    }

    /**
     * As {@link #of}, for a frame that many connections take (a room's message or event): its bytes
     * in native memory, from which each connection's write goes to the socket as it is. The bytes of
     * {@link #of} are on the heap, and the JDK copies a heap buffer into a temporary native one on
     * every write, one copy per recipient; a native buffer costs one allocation per message instead
     * (freed with the frame by the GC), which is why a frame for one connection stays on the heap.
     */
    public static EncodedFrame shared(String json) {
        return encode(json, true);
    }

    private static EncodedFrame encode(String json, boolean direct) {
        byte[] text = json.getBytes(StandardCharsets.UTF_8);
        if (text.length > MAX_FRAME_PAYLOAD) {
            return new EncodedFrame(ByteBuffer.wrap(text).asReadOnlyBuffer(), null, direct);
        }
        int header = headerLength(text.length);
        ByteBuffer frame = allocate(header + text.length, direct);
        putHeader(frame, FIN_TEXT, text.length);
        frame.put(text).flip();
        return new EncodedFrame(frame.slice(header, text.length).asReadOnlyBuffer(), frame.asReadOnlyBuffer(), direct);
    }

    private static ByteBuffer allocate(int size, boolean direct) {
        return direct ? ByteBuffer.allocateDirect(size) : ByteBuffer.allocate(size);
    }

    /**
     * A fresh read-only view of the whole WebSocket text frame, header and payload, unmasked as a
     * server sends it; a payload over {@link #MAX_FRAME_PAYLOAD} as a text frame and continuations,
     * each at most that long. For a connection without extensions: these are the bytes on its wire.
     */
    public ByteBuffer wire() {
        ByteBuffer bytes = wire;
        if (bytes == null) {
            bytes = fragmented(utf8.duplicate(), direct);
            wire = bytes;
        }
        return bytes.duplicate();
    }

    private static ByteBuffer fragmented(ByteBuffer text, boolean direct) {
        int length = text.remaining();
        int fragments = (length + MAX_FRAME_PAYLOAD - 1) / MAX_FRAME_PAYLOAD;
        ByteBuffer frames = allocate(length + fragments * headerLength(MAX_FRAME_PAYLOAD), direct);
        for (int i = 0; i < fragments; i++) {
            int size = Math.min(MAX_FRAME_PAYLOAD, text.remaining());
            boolean last = i == fragments - 1;
            byte first = i == 0 ? (last ? FIN_TEXT : TEXT) : (last ? FIN_CONTINUATION : CONTINUATION);
            putHeader(frames, first, size);
            frames.put(text.slice(text.position(), size));
            text.position(text.position() + size);
        }
        return frames.flip().asReadOnlyBuffer();
    }

    /** RFC 6455, 5.2: the payload length in 7 bits, or 126 and 16 bits, or 127 and 64 bits; no mask from a server. */
    private static int headerLength(int payload) {
        return payload < 126 ? 2 : payload <= 0xFFFF ? 4 : 10;
    }

    private static void putHeader(ByteBuffer frame, byte first, int payload) {
        frame.put(first);
        if (payload < 126) {
            frame.put((byte) payload);
        } else if (payload <= 0xFFFF) {
            frame.put((byte) 126).putShort((short) payload);
        } else {
            frame.put((byte) 127).putLong(payload);
        }
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
