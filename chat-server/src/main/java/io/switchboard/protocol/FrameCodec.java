package io.switchboard.protocol;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import java.util.List;
import java.util.regex.Pattern;
import tools.jackson.core.JacksonException;
import tools.jackson.core.StreamReadConstraints;
import tools.jackson.core.exc.StreamConstraintsException;
import tools.jackson.core.json.JsonFactory;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Turns client text frames into validated {@link ClientFrame}s and server frames into JSON text.
 * Nothing outside this package knows JSON.
 *
 * <p>Validation happens here, once, so that every frame that reaches the session layer is well
 * formed: room names and client message ids are 1-64 characters of {@code A-Z a-z 0-9 _ - . :}
 * (no braces, so they can never break a Redis hash tag), display names are 1-32 characters without
 * control characters, texts are 1 to {@code maxTextLength} characters.
 */
public final class FrameCodec {

    public static final int MAX_HISTORY_LIMIT = 100;
    public static final int DEFAULT_HISTORY_LIMIT = 50;
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9_.:-]{1,64}");
    private static final Pattern EPOCH = Pattern.compile("[A-Za-z0-9_-]{1,32}");
    /** Longest display name, in a {@code hello} or as a message's sender. */
    public static final int MAX_NAME = 32;
    private static final int MAX_REF = 64;
    private static final int MAX_TOKEN = 8192;
    private static final String TS_FIELD = ",\"ts\":";

    private final JsonMapper json = JsonMapper.builder().build();
    /**
     * Client frames are parsed within bounds far above any valid frame (which nests two deep and
     * holds a dozen values), so no frame can make the parser spend unbounded memory or time:
     * the frame's byte length is capped before this ({@code max-frame-length}), and these cap
     * nesting, numbers, field names and values.
     */
    private final JsonMapper clientJson = JsonMapper.builder(JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder()
                    .maxNestingDepth(16).maxNumberLength(32).maxNameLength(64).maxTokenCount(4096).build())
            .build()).build();
    private final int maxTextLength;
    private final ErrorListener errors;

    /** A codec that tells nobody of the errors it encodes. */
    public FrameCodec(int maxTextLength) {
        this(maxTextLength, ErrorListener.NONE);
    }

    public FrameCodec(int maxTextLength, ErrorListener errors) {
        this.maxTextLength = maxTextLength;
        this.errors = errors;
    }

    /**
     * Told of each {@code error} frame the codec encodes. Every layer that refuses something (the
     * codec's own validation, the session's checks and budgets, the room layer) answers the one
     * connection concerned with an {@code error} frame encoded here: this is the one place all of
     * them pass. Called on the encoding thread; must not block.
     */
    @FunctionalInterface
    public interface ErrorListener {

        ErrorListener NONE = code -> { };

        void encoded(ErrorCode code);
    }

    /** Parses and validates one client frame; throws {@link ProtocolException} naming what is wrong. */
    public ClientFrame decode(String text) {
        JsonNode node;
        try {
            node = clientJson.readTree(text);
        } catch (StreamConstraintsException e) {
            throw new ProtocolException(ErrorCode.BAD_JSON,
                    "frame nests deeper than 16, or has a number longer than 32 digits, a field name longer than 64 "
                    + "characters or more than 4096 values", null);
        } catch (JacksonException e) {
            throw new ProtocolException(ErrorCode.BAD_JSON, "frame is not valid JSON", null);
        }
        if (node == null || !node.isObject()) {
            throw new ProtocolException(ErrorCode.BAD_JSON, "frame must be a JSON object", null);
        }
        String ref = optionalString(node, "ref", null);
        if (ref != null && ref.length() > MAX_REF) {
            throw new ProtocolException(ErrorCode.BAD_FRAME, "ref must be at most " + MAX_REF + " characters", null);
        }
        JsonNode type = node.get("type");
        if (type == null || !type.isString()) {
            throw new ProtocolException(ErrorCode.UNKNOWN_TYPE, "frame needs a string field 'type'", ref);
        }
        return switch (type.stringValue()) {
            case "hello" -> hello(node, ref);
            case "auth" -> new ClientFrame.Auth(token(requiredString(node, "token", ref), ref), ref);
            case "join" -> new ClientFrame.Join(room(node, ref), since(node, ref), ref);
            case "leave" -> new ClientFrame.Leave(room(node, ref), ref);
            case "send" -> new ClientFrame.Send(room(node, ref), text(node, ref), clientMsgId(node, ref), ref);
            case "typing" -> new ClientFrame.Typing(room(node, ref), ref);
            case "history" -> new ClientFrame.History(room(node, ref), before(node, ref), limit(node, ref), ref);
            case "ping" -> new ClientFrame.Ping(ref);
            default -> throw new ProtocolException(ErrorCode.UNKNOWN_TYPE,
                    "unknown frame type '" + abbreviate(type.stringValue()) + "'", ref);
        };
    }

    /** Encodes a server frame as JSON text; an {@code error} frame is told to the {@link ErrorListener}. */
    public String encode(ServerFrame frame) {
        if (frame instanceof ServerFrame.Error error) {
            errors.encoded(error.code());
        }
        return json.writeValueAsString(frame);
    }

    /** Encodes a message body for the broker; {@link #message} splices it into a frame. */
    public String encodeBody(ChatMessage message) {
        return json.writeValueAsString(message);
    }

    /**
     * The {@code message} frame for a stored body: {@code {"type":"message","room":..,"epoch":..,
     * "offset":N, <body fields>}}. The body is spliced in as it is, so a node encodes a message once
     * and hands the same text to every local member.
     */
    public String message(String room, String epoch, StoredMessage stored) {
        String body = stored.body();
        StringBuilder out = new StringBuilder(body.length() + room.length() + 64);
        out.append("{\"type\":\"message\",\"room\":").append(quote(room))
                .append(",\"epoch\":").append(quote(epoch))
                .append(",\"offset\":").append(stored.offset());
        if (body.length() > 2) {
            out.append(',').append(body, 1, body.length());
        } else {
            out.append('}');
        }
        return out.toString();
    }

    /**
     * The {@code ts} (epoch ms) of a body made by {@link #encodeBody}, or {@code 0} if it has none.
     * Read without parsing the JSON: in the body {@code ,"ts":} can only be the field itself, since a
     * quote inside a string value is always escaped.
     */
    public long acceptedAt(String body) {
        int at = body.lastIndexOf(TS_FIELD);
        if (at < 0) {
            return 0;
        }
        int start = at + TS_FIELD.length();
        int end = start;
        while (end < body.length() && Character.isDigit(body.charAt(end))) {
            end++;
        }
        return end == start ? 0 : Long.parseLong(body, start, end, 10);
    }

    /** A {@code history} page: the messages, oldest first, each as a full {@code message} frame. */
    public String history(String room, String epoch, List<StoredMessage> messages, boolean hasMore, String ref) {
        StringBuilder out = new StringBuilder(256 + messages.size() * 128);
        out.append("{\"type\":\"history\",\"room\":").append(quote(room))
                .append(",\"epoch\":").append(quote(epoch))
                .append(",\"hasMore\":").append(hasMore);
        if (ref != null) {
            out.append(",\"ref\":").append(quote(ref));
        }
        out.append(",\"messages\":[");
        for (int i = 0; i < messages.size(); i++) {
            if (i > 0) {
                out.append(',');
            }
            out.append(message(room, epoch, messages.get(i)));
        }
        return out.append("]}").toString();
    }

    public String encodeMember(Member member) {
        return json.writeValueAsString(member);
    }

    public Member decodeMember(String text) {
        return json.readValue(text, Member.class);
    }

    /**
     * The joins and leaves of a {@code presence} frame this codec encoded ({@code join}, {@code
     * leave} or {@code batch}), as a batch; null for any other frame (a member count).
     */
    public ServerFrame.PresenceBatch decodePresence(String text) {
        Relayed frame = json.readValue(text, Relayed.class);
        return switch ("presence".equals(frame.type()) && frame.action() != null ? frame.action() : "") {
            case "join" -> ServerFrame.PresenceBatch.of(frame.room(), List.of(frame.member()), List.of());
            case "leave" -> ServerFrame.PresenceBatch.of(frame.room(), List.of(), List.of(frame.member()));
            case "batch" -> ServerFrame.PresenceBatch.of(frame.room(), List.copyOf(frame.joins()), List.copyOf(frame.leaves()));
            default -> null;
        };
    }

    /** A {@code presence} frame of any action, as {@link #decodePresence} reads it. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    record Relayed(String type, String room, String action, Member member, List<Member> joins, List<Member> leaves) {}

    private String quote(String s) {
        return json.writeValueAsString(s);
    }

    /** A name, or a token, or both (which counts depends on the node's auth mode). */
    private static ClientFrame.Hello hello(JsonNode node, String ref) {
        String token = optionalString(node, "token", ref);
        int protocol = protocol(node, ref);
        if (token != null) {
            JsonNode name = node.get("name");
            return new ClientFrame.Hello(name == null || name.isNull() ? null : name(node, ref), token(token, ref),
                    protocol, ref);
        }
        return new ClientFrame.Hello(name(node, ref), null, protocol, ref);
    }

    private static int protocol(JsonNode node, String ref) {
        JsonNode protocol = node.get("protocol");
        if (protocol == null || protocol.isNull()) {
            return ClientFrame.CURRENT_PROTOCOL;
        }
        if (!protocol.isIntegralNumber() || !protocol.canConvertToInt() || protocol.intValue() < 1) {
            throw new ProtocolException(ErrorCode.BAD_FRAME, "protocol must be an integer >= 1", ref);
        }
        return protocol.intValue();
    }

    private static String token(String token, String ref) {
        if (token.isEmpty() || token.length() > MAX_TOKEN) {
            throw new ProtocolException(ErrorCode.BAD_FRAME, "token must be 1-" + MAX_TOKEN + " characters", ref);
        }
        return token;
    }

    private static String name(JsonNode node, String ref) {
        String name = requiredString(node, "name", ref).strip();
        if (!isName(name)) {
            throw new ProtocolException(ErrorCode.BAD_FRAME,
                    "name must be 1-" + MAX_NAME + " characters without control characters", ref);
        }
        return name;
    }

    /** Whether {@code id} is a room's name (or a clientMsgId): 1-64 characters of A-Z a-z 0-9 _ - . : */
    public static boolean isId(String id) {
        return id != null && ID.matcher(id).matches();
    }

    /** Whether {@code name} (stripped) is a display name: 1 to {@link #MAX_NAME} characters, no control characters. */
    public static boolean isName(String name) {
        return !name.isEmpty() && name.length() <= MAX_NAME && name.codePoints().noneMatch(Character::isISOControl);
    }

    /** The longest text a message may have ({@code switchboard.limits.max-text-length}). */
    public int maxTextLength() {
        return maxTextLength;
    }

    private static String room(JsonNode node, String ref) {
        JsonNode room = node.get("room");
        if (room == null || !room.isString() || !ID.matcher(room.stringValue()).matches()) {
            throw new ProtocolException(ErrorCode.INVALID_ROOM,
                    "room must be 1-64 characters of A-Z a-z 0-9 _ - . :", ref);
        }
        return room.stringValue();
    }

    private String text(JsonNode node, String ref) {
        String text = requiredString(node, "text", ref);
        if (text.isBlank() || text.length() > maxTextLength) {
            throw new ProtocolException(ErrorCode.TEXT_TOO_LONG,
                    "text must be 1-" + maxTextLength + " characters and not blank", ref);
        }
        return text;
    }

    private static String clientMsgId(JsonNode node, String ref) {
        String id = requiredString(node, "clientMsgId", ref);
        if (!ID.matcher(id).matches()) {
            throw new ProtocolException(ErrorCode.BAD_FRAME,
                    "clientMsgId must be 1-64 characters of A-Z a-z 0-9 _ - . :", ref);
        }
        return id;
    }

    private static Position since(JsonNode node, String ref) {
        JsonNode since = node.get("since");
        if (since == null || since.isNull()) {
            return null;
        }
        JsonNode epoch = since.get("epoch");
        JsonNode offset = since.get("offset");
        if (!since.isObject() || epoch == null || !epoch.isString() || !EPOCH.matcher(epoch.stringValue()).matches()
                || offset == null || !offset.isIntegralNumber() || !offset.canConvertToLong() || offset.longValue() < 0) {
            throw new ProtocolException(ErrorCode.BAD_FRAME,
                    "since must be {\"epoch\": string, \"offset\": integer >= 0}", ref);
        }
        return new Position(epoch.stringValue(), offset.longValue());
    }

    private static Long before(JsonNode node, String ref) {
        JsonNode before = node.get("before");
        if (before == null || before.isNull()) {
            return null;
        }
        if (!before.isIntegralNumber() || !before.canConvertToLong() || before.longValue() < 1) {
            throw new ProtocolException(ErrorCode.BAD_FRAME, "before must be an integer >= 1", ref);
        }
        return before.longValue();
    }

    private static int limit(JsonNode node, String ref) {
        JsonNode limit = node.get("limit");
        if (limit == null || limit.isNull()) {
            return DEFAULT_HISTORY_LIMIT;
        }
        if (!limit.isIntegralNumber() || !limit.canConvertToInt() || limit.intValue() < 1
                || limit.intValue() > MAX_HISTORY_LIMIT) {
            throw new ProtocolException(ErrorCode.BAD_FRAME, "limit must be an integer 1-" + MAX_HISTORY_LIMIT, ref);
        }
        return limit.intValue();
    }

    private static String requiredString(JsonNode node, String field, String ref) {
        JsonNode value = node.get(field);
        if (value == null || !value.isString()) {
            throw new ProtocolException(ErrorCode.BAD_FRAME, "field '" + field + "' must be a string", ref);
        }
        return value.stringValue();
    }

    private static String optionalString(JsonNode node, String field, String ref) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isString()) {
            throw new ProtocolException(ErrorCode.BAD_FRAME, "field '" + field + "' must be a string", ref);
        }
        return value.stringValue();
    }

    private static String abbreviate(String s) {
        return s.length() <= 32 ? s : s.substring(0, 32) + "...";
    }
}
