package io.switchboard.redis;

import io.lettuce.core.codec.StringCodec;
import io.netty.buffer.ByteBufUtil;
import java.nio.charset.StandardCharsets;

/**
 * Lettuce's UTF-8 string codec, telling Lettuce each argument's exact encoded length. Lettuce
 * writes an argument straight into the command's buffer only when its codec's size estimate is
 * exact; {@link StringCodec#UTF8} estimates the most a string could take, so Lettuce encoded every
 * key and argument into a buffer of its own first (allocated, tracked and released per argument:
 * most of the cost of writing a command, 3% of a publishing node's CPU at 20,000 deliveries/s with
 * the send script's 17 arguments, docs/benchmarks.md). Netty counts exactly as it writes: a
 * surrogate without its pair is written, and counted, as one {@code ?}.
 */
public final class Utf8Codec extends StringCodec {

    /** The codec of every connection Switchboard opens. */
    public static final Utf8Codec UTF8 = new Utf8Codec();

    private Utf8Codec() {
        super(StandardCharsets.UTF_8);
    }

    @Override
    public int estimateSize(Object keyOrValue) {
        return keyOrValue instanceof String text ? ByteBufUtil.utf8Bytes(text) : super.estimateSize(keyOrValue);
    }

    @Override
    public boolean isEstimateExact() {
        return true;
    }
}
