package io.switchboard.session;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.function.UnaryOperator;
import java.util.zip.Deflater;
import org.eclipse.jetty.util.compression.DeflaterPool;
import org.eclipse.jetty.websocket.core.OutgoingEntry;
import org.eclipse.jetty.websocket.core.internal.PerMessageDeflateExtension;

/**
 * permessage-deflate (RFC 7692) with each outgoing frame compressed once per node instead of once
 * per recipient. Both directions run without context takeover, so a compressed message depends on
 * no earlier one and the same bytes are valid on every connection: {@link ChatEndpoint} sends a
 * room's {@link io.switchboard.protocol.EncodedFrame#compressed shared compressed bytes} with RSV1
 * set, and this extension passes them through.
 *
 * <p>Incoming messages are inflated by Jetty's own extension, with an inflater taken from Jetty's
 * pool for one message and given back at its end. Jetty's outgoing side is what this replaces: it
 * compresses every frame for every recipient, and with it an idle connection cost ~276 KiB of RSS
 * and fan-out collapsed at 10,000 deliveries/s (docs/benchmarks.md); here no connection holds zlib
 * state between messages.
 */
public final class SharedDeflate extends PerMessageDeflateExtension {

    static final String NAME = "permessage-deflate";

    /** Both directions without context takeover: the only way one compressed frame fits every connection. */
    static final String NEGOTIATED = NAME + "; server_no_context_takeover; client_no_context_takeover";

    /** Below this size a frame goes out uncompressed (RFC 7692 lets each message choose): zlib saves nothing on it. */
    static final int MIN_BYTES = 128;

    private static final int TAIL = 4; // 0x00 0x00 0xFF 0xFF, which every sync-flushed message ends with

    /** Public and without arguments: Jetty's extension registry creates one per connection. */
    public SharedDeflate() {
    }

    @Override
    public void sendFrame(OutgoingEntry entry) {
        nextOutgoingFrame(entry); // already compressed (RSV1 set) by the sender, or meant to go out as it is
    }

    /**
     * Compresses one message's payload as RFC 7692 section 7.2.1 says (raw deflate, sync flush,
     * the trailing four octets removed), with a deflater from {@code pool}. Answers {@code null}
     * when the frame is short or compressing would not make it smaller.
     */
    static UnaryOperator<ByteBuffer> compressor(DeflaterPool pool) {
        return payload -> {
            int length = payload.remaining();
            if (length < MIN_BYTES) {
                return null;
            }
            byte[] input = new byte[length];
            payload.get(input);
            byte[] output = new byte[length + 64];
            int written = 0;
            DeflaterPool.Entry entry = pool.acquire();
            try {
                Deflater deflater = entry.get();
                deflater.setInput(input);
                while (true) {
                    written += deflater.deflate(output, written, output.length - written, Deflater.SYNC_FLUSH);
                    if (written < output.length) {
                        break; // a sync flush that did not fill the buffer has written everything
                    }
                    output = Arrays.copyOf(output, output.length * 2);
                }
            } finally {
                entry.release(); // resets the deflater: no context outlives the message
            }
            int compressed = written - TAIL;
            return compressed < length ? ByteBuffer.wrap(output, 0, compressed).slice().asReadOnlyBuffer() : null;
        };
    }
}
