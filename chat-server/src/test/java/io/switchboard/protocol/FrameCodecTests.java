package io.switchboard.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

class FrameCodecTests {

    private final FrameCodec codec = new FrameCodec(100);
    private final JsonMapper json = JsonMapper.builder().build();

    @Test
    void decodesEveryClientFrame() {
        assertThat(codec.decode("{\"type\":\"hello\",\"name\":\" Ada \"}")).isEqualTo(new ClientFrame.Hello("Ada", null, null));
        assertThat(codec.decode("{\"type\":\"join\",\"room\":\"lobby\",\"since\":{\"epoch\":\"e1\",\"offset\":7},\"ref\":\"r\"}"))
                .isEqualTo(new ClientFrame.Join("lobby", new Position("e1", 7), "r"));
        assertThat(codec.decode("{\"type\":\"leave\",\"room\":\"lobby\"}")).isEqualTo(new ClientFrame.Leave("lobby", null));
        assertThat(codec.decode("{\"type\":\"send\",\"room\":\"a.b:c-d_e\",\"text\":\"hi\",\"clientMsgId\":\"m1\"}"))
                .isEqualTo(new ClientFrame.Send("a.b:c-d_e", "hi", "m1", null));
        assertThat(codec.decode("{\"type\":\"typing\",\"room\":\"lobby\"}")).isEqualTo(new ClientFrame.Typing("lobby", null));
        assertThat(codec.decode("{\"type\":\"history\",\"room\":\"lobby\",\"before\":10,\"limit\":5}"))
                .isEqualTo(new ClientFrame.History("lobby", 10L, 5, null));
        assertThat(codec.decode("{\"type\":\"history\",\"room\":\"lobby\"}"))
                .isEqualTo(new ClientFrame.History("lobby", null, FrameCodec.DEFAULT_HISTORY_LIMIT, null));
        assertThat(codec.decode("{\"type\":\"ping\",\"ref\":\"p\"}")).isEqualTo(new ClientFrame.Ping("p"));
    }

    @Test
    void namesWhatIsWrongWithABadFrame() {
        assertCode("not json", ErrorCode.BAD_JSON);
        assertCode("[1,2]", ErrorCode.BAD_JSON);
        assertCode("{\"room\":\"x\"}", ErrorCode.UNKNOWN_TYPE);
        assertCode("{\"type\":\"shout\"}", ErrorCode.UNKNOWN_TYPE);
        assertCode("{\"type\":\"join\",\"room\":\"has space\"}", ErrorCode.INVALID_ROOM);
        assertCode("{\"type\":\"join\",\"room\":\"{tag}\"}", ErrorCode.INVALID_ROOM);
        assertCode("{\"type\":\"join\",\"room\":\"" + "r".repeat(65) + "\"}", ErrorCode.INVALID_ROOM);
        assertCode("{\"type\":\"join\",\"room\":7}", ErrorCode.INVALID_ROOM);
        assertCode("{\"type\":\"join\",\"room\":\"a\",\"since\":{\"epoch\":\"e\",\"offset\":-1}}", ErrorCode.BAD_FRAME);
        assertCode("{\"type\":\"send\",\"room\":\"a\",\"text\":\"" + "x".repeat(101) + "\",\"clientMsgId\":\"m\"}",
                ErrorCode.TEXT_TOO_LONG);
        assertCode("{\"type\":\"send\",\"room\":\"a\",\"text\":\"   \",\"clientMsgId\":\"m\"}", ErrorCode.TEXT_TOO_LONG);
        assertCode("{\"type\":\"send\",\"room\":\"a\",\"text\":\"hi\"}", ErrorCode.BAD_FRAME);
        assertCode("{\"type\":\"send\",\"room\":\"a\",\"text\":\"hi\",\"clientMsgId\":\"no spaces\"}", ErrorCode.BAD_FRAME);
        assertCode("{\"type\":\"history\",\"room\":\"a\",\"limit\":1000}", ErrorCode.BAD_FRAME);
        assertCode("{\"type\":\"hello\",\"name\":\"\\u0007bell\"}", ErrorCode.BAD_FRAME);
    }

    @Test
    void parsesClientFramesWithinBounds() {
        assertCode("{\"type\":\"ping\",\"x\":" + "[".repeat(17) + "]".repeat(17) + "}", ErrorCode.BAD_JSON);
        assertCode("{\"type\":\"ping\",\"x\":1" + "0".repeat(40) + "}", ErrorCode.BAD_JSON);
        assertCode("{\"type\":\"ping\",\"" + "k".repeat(65) + "\":1}", ErrorCode.BAD_JSON);
        assertCode("{\"type\":\"ping\",\"x\":[" + "0,".repeat(5000) + "0]}", ErrorCode.BAD_JSON);
        // within them, unknown fields are ignored
        assertThat(codec.decode("{\"type\":\"ping\",\"x\":" + "[".repeat(8) + "]".repeat(8) + ",\"n\":12345}"))
                .isEqualTo(new ClientFrame.Ping(null));
    }

    @Test
    void echoesTheRefOfABadFrame() {
        assertThatThrownBy(() -> codec.decode("{\"type\":\"join\",\"room\":\"bad room\",\"ref\":\"r9\"}"))
                .isInstanceOfSatisfying(ProtocolException.class, e -> assertThat(e.ref()).isEqualTo("r9"));
    }

    @Test
    @SuppressWarnings("unchecked")
    void splicesAStoredBodyIntoAMessageFrame() {
        ChatMessage message = new ChatMessage("id1", "s1", "Ada \"the\" first", "line\nbreak", 42, "c1");
        String frame = codec.message("lobby", "e1", new StoredMessage(5, codec.encodeBody(message)));

        Map<String, Object> parsed = json.readValue(frame, Map.class);
        assertThat(parsed).containsEntry("type", "message").containsEntry("room", "lobby")
                .containsEntry("epoch", "e1").containsEntry("offset", 5)
                .containsEntry("id", "id1").containsEntry("from", "s1").containsEntry("fromName", "Ada \"the\" first")
                .containsEntry("text", "line\nbreak").containsEntry("ts", 42).containsEntry("clientMsgId", "c1");
        assertThat(frame).doesNotContain("\n");
    }

    @Test
    @SuppressWarnings("unchecked")
    void encodesServerFramesWithTheirType() {
        Map<String, Object> joined = json.readValue(codec.encode(new ServerFrame.Joined("lobby", "e", 3,
                List.of(new Member("s", "Ada", "n1")), 1, null, null, "r")), Map.class);
        assertThat(joined).containsEntry("type", "joined").containsEntry("offset", 3).containsEntry("ref", "r")
                .containsEntry("memberCount", 1)
                .doesNotContainKey("recovered");
        assertThat((List<Object>) joined.get("members")).hasSize(1);

        String history = codec.history("lobby", "e", List.of(new StoredMessage(1, "{\"text\":\"a\"}")), true, null);
        Map<String, Object> page = json.readValue(history, Map.class);
        assertThat(page).containsEntry("type", "history").containsEntry("hasMore", true);
        assertThat((List<Map<String, Object>>) page.get("messages")).singleElement()
                .satisfies(m -> assertThat(m).containsEntry("offset", 1).containsEntry("text", "a"));
    }

    private void assertCode(String frame, ErrorCode code) {
        assertThatThrownBy(() -> codec.decode(frame)).as(frame)
                .isInstanceOfSatisfying(ProtocolException.class, e -> assertThat(e.code()).isEqualTo(code));
    }
}
