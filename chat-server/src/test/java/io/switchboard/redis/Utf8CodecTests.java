package io.switchboard.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.protocol.CommandArgs;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.switchboard.support.RedisServer;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@link Utf8Codec} says each argument's length before writing it: a length that differed from
 * what is written would break the command stream to Redis, so every kind of string is checked
 * against Lettuce's own UTF-8 codec, byte for byte, and through a real Redis.
 */
class Utf8CodecTests {

    private static final List<String> TEXTS = List.of("", "room:general", "p{room:a}:log", "héllo wörld",
            "日本語のチャット", "emoji 😀 and 👍🏽", "\"quoted\" \\ back\nslash\ttab", "\u0000nul",
            "lone high \uD83D at the end \uD83D", "lone low \uDE00 first", "\uDE00\uD83D reversed pair",
            "x".repeat(5000) + "é".repeat(3000) + "😀".repeat(1000));

    @Test
    void aCommandIsEncodedByteForByteAsLettucesUtf8CodecEncodesIt() {
        for (String text : TEXTS) {
            assertThat(encoded(Utf8Codec.UTF8, text)).as(text.length() > 80 ? text.substring(0, 80) : text)
                    .isEqualTo(encoded(StringCodec.UTF8, text));
            ByteBuf written = Unpooled.buffer();
            Utf8Codec.UTF8.encodeValue(text, written);
            assertThat(Utf8Codec.UTF8.estimateSize(text)).isEqualTo(written.readableBytes());
        }
    }

    @Test
    void everyStringComesBackFromRedisAsLettucesUtf8CodecWouldStoreIt() {
        try (RedisServer redis = RedisServer.create()) {
            RedisClient client = RedisClient.create(RedisURI.create("127.0.0.1", redis.port()));
            try (var exact = client.connect(Utf8Codec.UTF8); var lettuces = client.connect(StringCodec.UTF8)) {
                for (int i = 0; i < TEXTS.size(); i++) {
                    String text = TEXTS.get(i);
                    String byExact = "exact:" + text + i;
                    String byLettuce = "lettuce:" + text + i;
                    exact.sync().set(byExact, text);
                    lettuces.sync().set(byLettuce, text);
                    assertThat(exact.sync().get(byExact)).isEqualTo(lettuces.sync().get(byLettuce));
                    assertThat(lettuces.sync().get(byExact)).isEqualTo(exact.sync().get(byLettuce));
                }
                assertThat(exact.sync().ping()).isEqualTo("PONG");
            } finally {
                client.shutdown();
            }
        }
    }

    private static byte[] encoded(StringCodec codec, String text) {
        ByteBuf buffer = Unpooled.buffer();
        new CommandArgs<>(codec).addKey(text).addValue(text).encode(buffer);
        return ByteBufUtil.getBytes(buffer);
    }
}
