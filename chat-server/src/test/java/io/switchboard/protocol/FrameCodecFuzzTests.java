package io.switchboard.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.switchboard.support.Fuzz;
import io.switchboard.support.FuzzFrames;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.random.RandomGenerator;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The codec against generated input ({@link FuzzFrames}, from this run's seed: {@link Fuzz}).
 * Whatever it is given, {@code decode} answers a frame that keeps every rule of docs/protocol.md,
 * or refuses with a {@link ProtocolException} that becomes an {@code error} frame; no other
 * exception. A valid frame, however it is written, decodes to the frame it stands for.
 */
class FrameCodecFuzzTests {

    private static final int MAX_TEXT = 200;
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9_.:-]{1,64}");
    private static final Pattern EPOCH = Pattern.compile("[A-Za-z0-9_-]{1,32}");
    private static final String LONG_ID = "\"" + "r".repeat(65) + "\"";
    /** For each field a frame checks, values it must refuse, and the code it refuses them with. */
    private static final Map<String, List<Broken>> BROKEN = Map.of(
            "name", bad(ErrorCode.BAD_FRAME, "7", "null", "[]", "{}", "\"\"", "\" \\t\\u3000 \"", "\"\\u0007bell\"",
                    "\"Ada\\u0085\"", "\"" + "n".repeat(33) + "\""),
            "room", bad(ErrorCode.INVALID_ROOM, "7", "null", "[\"lobby\"]", "\"\"", "\"has space\"", "\"{tag}\"",
                    LONG_ID, "\"日本\"", "\"lobby\\n\""),
            "text", concat(bad(ErrorCode.BAD_FRAME, "7", "null", "[]", "{\"text\":\"hi\"}"),
                    bad(ErrorCode.TEXT_TOO_LONG, "\"\"", "\" \\n\\t\\u3000\"", "\"" + "x".repeat(MAX_TEXT + 1) + "\"")),
            "clientMsgId", bad(ErrorCode.BAD_FRAME, "7", "null", "\"\"", "\"no spaces\"", "\"{m}\"", LONG_ID),
            "since", bad(ErrorCode.BAD_FRAME, "\"x\"", "7", "true", "[]", "{}", "{\"epoch\":\"e\"}", "{\"offset\":1}",
                    "{\"epoch\":\"e\",\"offset\":-1}", "{\"epoch\":\"\",\"offset\":1}", "{\"epoch\":\"e\",\"offset\":1.5}",
                    "{\"epoch\":7,\"offset\":1}", "{\"epoch\":\"e\",\"offset\":\"1\"}", "{\"epoch\":\"e.f\",\"offset\":1}",
                    "{\"epoch\":\"e\",\"offset\":9223372036854775808}", "{\"epoch\":\"" + "e".repeat(33) + "\",\"offset\":1}"),
            "before", bad(ErrorCode.BAD_FRAME, "\"1\"", "0", "-5", "1.5", "1e1", "[]", "{}", "true", "9223372036854775808"),
            "limit", bad(ErrorCode.BAD_FRAME, "0", "101", "-1", "\"5\"", "2.5", "1e1", "2147483648", "true", "[]"));
    /** The frames with fields to check (all but ping), and those fields. */
    private static final List<String> CHECKED_TYPES = List.of("hello", "join", "leave", "send", "typing", "history");
    private static final Map<String, List<String>> CHECKED_FIELDS = Map.of(
            "hello", List.of("name"), "join", List.of("room", "since"), "leave", List.of("room"),
            "send", List.of("room", "text", "clientMsgId"), "typing", List.of("room"),
            "history", List.of("room", "before", "limit"));

    private final FrameCodec codec = new FrameCodec(MAX_TEXT);
    private final FuzzFrames frames = new FuzzFrames(MAX_TEXT, FuzzFrames::anyRoom);

    @Test
    void decodesOrRefusesAnyText() {
        Fuzz.forAll(3000, FuzzFrames::anyText, this::decodesOrRefuses);
    }

    @Test
    void decodesOrRefusesAnyJson() {
        Fuzz.forAll(3000, frames::anyJson, this::decodesOrRefuses);
    }

    @Test
    void decodesOrRefusesBrokenFrames() {
        Fuzz.forAll(6000, frames::mutated, this::decodesOrRefuses);
    }

    @Test
    void decodesEveryValidFrameToTheFrameItStandsFor() {
        Fuzz.forAll(4000, frames::valid, valid -> assertThat(codec.decode(valid.json())).isEqualTo(valid.frame()));
    }

    @Test
    void refusesAFrameBrokenInOneFieldWithThatFieldsCodeAndItsRef() {
        Fuzz.forAll(3000, this::brokenInOneField, broken -> assertThatThrownBy(() -> codec.decode(broken.json()))
                .isInstanceOfSatisfying(ProtocolException.class, e -> {
                    assertThat(e.code()).isEqualTo(broken.code());
                    assertThat(e.ref()).isEqualTo(broken.ref());
                }));
    }

    /** The frame decoded is valid, or the refusal says what is wrong and can be sent as an error frame. */
    private void decodesOrRefuses(String text) {
        ClientFrame frame;
        try {
            frame = codec.decode(text);
        } catch (ProtocolException e) {
            assertThat(e.code()).isNotNull();
            assertThat(e.getMessage()).isNotBlank();
            assertRef(e.ref());
            assertThat(codec.encode(e.toFrame())).contains("\"code\":\"" + e.code().wire() + "\"");
            return;
        }
        assertKeepsTheRules(frame);
    }

    /** The rules of docs/protocol.md, written out again here rather than taken from the codec. */
    private static void assertKeepsTheRules(ClientFrame frame) {
        assertRef(frame.ref());
        switch (frame) {
            case ClientFrame.Hello hello -> {
                assertThat(hello.name() != null || hello.token() != null).as("a name or a token").isTrue();
                if (hello.name() != null) {
                    assertThat(hello.name()).hasSizeBetween(1, 32).isEqualTo(hello.name().strip());
                    assertThat(hello.name().codePoints()).noneMatch(Character::isISOControl);
                }
                if (hello.token() != null) {
                    assertThat(hello.token()).hasSizeBetween(1, 8192);
                }
            }
            case ClientFrame.Auth auth -> assertThat(auth.token()).hasSizeBetween(1, 8192);
            case ClientFrame.Join join -> {
                assertThat(join.room()).matches(ID);
                if (join.since() != null) {
                    assertThat(join.since().epoch()).matches(EPOCH);
                    assertThat(join.since().offset()).isNotNegative();
                }
            }
            case ClientFrame.Leave leave -> assertThat(leave.room()).matches(ID);
            case ClientFrame.Send send -> {
                assertThat(send.room()).matches(ID);
                assertThat(send.text()).hasSizeBetween(1, MAX_TEXT).isNotBlank();
                assertThat(send.clientMsgId()).matches(ID);
            }
            case ClientFrame.Typing typing -> assertThat(typing.room()).matches(ID);
            case ClientFrame.History history -> {
                assertThat(history.room()).matches(ID);
                if (history.before() != null) {
                    assertThat(history.before()).isPositive();
                }
                assertThat(history.limit()).isBetween(1, FrameCodec.MAX_HISTORY_LIMIT);
            }
            case ClientFrame.Ping ping -> {
            }
        }
    }

    private static void assertRef(String ref) {
        if (ref != null) {
            assertThat(ref).hasSizeLessThanOrEqualTo(64);
        }
    }

    /** A frame with a ref, valid but for one field it checks, which holds a value it must refuse. */
    private Broken brokenInOneField(RandomGenerator random) {
        String type = CHECKED_TYPES.get(random.nextInt(CHECKED_TYPES.size()));
        FuzzFrames.Valid valid;
        do {
            valid = frames.valid(random, type);
        } while (valid.frame().ref() == null
                || (valid.frame() instanceof ClientFrame.Hello hello && hello.token() != null)); // then a name is optional
        List<String> checked = CHECKED_FIELDS.get(type);
        String field = checked.get(random.nextInt(checked.size()));
        List<Broken> values = BROKEN.get(field);
        Broken value = values.get(random.nextInt(values.size()));
        List<FuzzFrames.Field> fields = new ArrayList<>(valid.fields().stream().filter(f -> !f.name().equals(field)).toList());
        fields.add(random.nextInt(fields.size() + 1), new FuzzFrames.Field(field, value.json()));
        return new Broken(FuzzFrames.object(fields, random), value.code(), valid.frame().ref());
    }

    /** A value (or a whole frame) that must be refused with {@code code}, echoing {@code ref}. */
    private record Broken(String json, ErrorCode code, String ref) {
        @Override
        public String toString() {
            return json + " -> " + code;
        }
    }

    private static List<Broken> bad(ErrorCode code, String... values) {
        return java.util.Arrays.stream(values).map(value -> new Broken(value, code, null)).toList();
    }

    private static List<Broken> concat(List<Broken> a, List<Broken> b) {
        List<Broken> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }
}
