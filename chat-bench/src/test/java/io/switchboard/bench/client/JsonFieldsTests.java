package io.switchboard.bench.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The hot-frame scanner against the frames both systems send, and against what it must not misread. */
class JsonFieldsTests {

    private static final byte[] MESSAGE = bytes("message");

    private final JsonFields fields = new JsonFields("type", "offset", "text");

    @Test
    void readsASwitchboardMessageFrame() {
        byte[] frame = bytes("{\"type\":\"message\",\"room\":\"lobby\",\"epoch\":\"3f9a1c2b7d4e\",\"offset\":42,"
                + "\"id\":\"c1d2\",\"from\":\"6f1c\",\"fromName\":\"Ada\",\"text\":\"3:17:123456789:xxxx\","
                + "\"ts\":1795522588883,\"clientMsgId\":\"b1-0-0.17\"}");

        assertThat(fields.scan(frame, 0, frame.length)).isTrue();
        assertThat(fields.isString(0, MESSAGE)).isTrue();
        assertThat(fields.integer(1, -1)).isEqualTo(42);
        assertThat(fields.string(2)).isEqualTo("3:17:123456789:xxxx");
    }

    @Test
    void findsFieldsInAnyOrderAndSkipsNestedValuesAndWhiteSpace() {
        byte[] frame = bytes(" { \"text\" : \"hi\" , \"members\":[{\"type\":\"x\",\"n\":\"]}\"}],\"meta\":{\"offset\":7},"
                + "\"offset\" : -3 ,\"type\":\"message\" } ");

        assertThat(fields.scan(frame, 0, frame.length)).isTrue();
        assertThat(fields.isString(0, MESSAGE)).isTrue();
        assertThat(fields.integer(1, 0)).isEqualTo(-3);
        assertThat(fields.string(2)).isEqualTo("hi");
    }

    @Test
    void decodesEscapedAndNonAsciiText() {
        byte[] frame = bytes("{\"type\":\"message\",\"text\":\"a \\\"quoted\\\" \\u00e9 and ü\"}");

        assertThat(fields.scan(frame, 0, frame.length)).isTrue();
        assertThat(fields.string(2)).isEqualTo("a \"quoted\" é and ü");
    }

    @Test
    void readsOnlyTheGivenRange() {
        byte[] packet = bytes("42[\"msg\",{\"room\":\"r1\",\"from\":\"TnkzwU\",\"text\":\"x\",\"ts\":1795615455054}]");

        assertThat(fields.scan(packet, 9, packet.length)).isTrue();
        assertThat(fields.string(2)).isEqualTo("x");
        assertThat(fields.string(0)).isNull();
    }

    @Test
    void forgetsTheFieldsOfThePreviousFrame() {
        byte[] first = bytes("{\"type\":\"message\",\"offset\":1,\"text\":\"a\"}");
        byte[] second = bytes("{\"type\":\"ack\"}");

        fields.scan(first, 0, first.length);
        assertThat(fields.scan(second, 0, second.length)).isTrue();

        assertThat(fields.isString(0, MESSAGE)).isFalse();
        assertThat(fields.integer(1, -1)).isEqualTo(-1);
        assertThat(fields.string(2)).isNull();
    }

    @Test
    void answersOtherwiseForValuesOfAnotherKind() {
        byte[] frame = bytes("{\"type\":7,\"offset\":\"42\",\"text\":null}");

        assertThat(fields.scan(frame, 0, frame.length)).isTrue();
        assertThat(fields.isString(0, bytes("7"))).isFalse();
        assertThat(fields.integer(1, -1)).isEqualTo(-1);
        assertThat(fields.string(2)).isNull();
    }

    @Test
    void rejectsWhatIsNotOneObject() {
        for (String text : new String[] {"", "[1,2]", "{\"type\":\"message\"", "{\"type\" \"message\"}",
                "{\"type\":\"mess", "{\"type\":}", "{\"a\":1 \"b\":2}"}) {
            byte[] frame = bytes(text);
            assertThat(fields.scan(frame, 0, frame.length)).as(text).isFalse();
            assertThat(fields.isString(0, MESSAGE)).as(text).isFalse();
        }
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
