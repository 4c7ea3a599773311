package io.switchboard.support;

import io.switchboard.protocol.ClientFrame;
import io.switchboard.protocol.Position;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.random.RandomGenerator;

/**
 * Client frames for fuzzing, written as JSON text by hand (not by the codec's mapper), so that
 * they can hold what a mapper would never write: duplicate keys, escapes where none are needed,
 * lone surrogates, odd white space. Valid frames come with the {@link ClientFrame} that
 * docs/protocol.md says they stand for; the rest are valid frames broken on purpose, random JSON
 * and random text.
 */
public final class FuzzFrames {

    /** A field of a frame: its name, and its value as JSON text. */
    public record Field(String name, String value) {}

    /** A valid frame: its fields, its text, and the frame it stands for. */
    public record Valid(List<Field> fields, String json, ClientFrame frame) {
        @Override
        public String toString() {
            return json;
        }
    }

    public static final List<String> TYPES = List.of("hello", "auth", "join", "leave", "send", "typing", "history", "ping");
    /** A list, not a set: a set's order changes from run to run, and a seed must give the same frames. */
    private static final List<String> KNOWN_FIELDS =
            List.of("type", "ref", "name", "room", "since", "text", "clientMsgId", "before", "limit");
    private static final String ID_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.:-";
    private static final String EPOCH_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-";
    /** Name characters: no white space, no control characters; some outside the BMP. */
    private static final int[] NAME_CHARS =
            "AaZz09éßñΩ日本語\"\\<>{}'/!?#\u00a0\u200d\ud83d\ude00\ud83e\uddd1".codePoints().toArray();
    /** What {@link String#strip()} removes: white space, some of it control characters. */
    private static final String PADDING = " \t\n\r\u2003\u3000\u001f\u000b";
    private static final String WHITE_SPACE = " \t\n\r";
    /** Numbers at the edges of long and int, of other kinds, and past what a double holds. */
    private static final List<String> NUMBERS = List.of("0", "-0", "-1", "1", "50", "100", "101",
            "9223372036854775807", "9223372036854775808", "-9223372036854775808", "-9223372036854775809",
            "2147483647", "2147483648", "1e400", "-1e-400", "1.0", "1E2", "0.5", "1e2");
    /** What looks like a number and is no JSON. */
    private static final List<String> NOT_NUMBERS = List.of("007", "+1", ".5", "1.", "NaN", "-", "0x10", "Infinity");
    private static final String JSONISH = "{}[]\":,0123456789.-+eE truefalsn\\u";
    /** A history page's size when the frame names none (docs/protocol.md). */
    private static final int DEFAULT_LIMIT = 50;

    private final int maxTextLength;
    private final Function<RandomGenerator, String> rooms;

    /** Frames for a codec taking texts up to {@code maxTextLength}, with room names from {@code rooms}. */
    public FuzzFrames(int maxTextLength, Function<RandomGenerator, String> rooms) {
        this.maxTextLength = maxTextLength;
        this.rooms = rooms;
    }

    /** A valid frame of a random type. */
    public Valid valid(RandomGenerator r) {
        return valid(r, TYPES.get(r.nextInt(TYPES.size())));
    }

    /** A valid frame of the given type, its fields in random order, with unknown fields now and then. */
    public Valid valid(RandomGenerator r, String type) {
        List<Field> fields = new ArrayList<>();
        fields.add(new Field("type", quote(type, r)));
        String ref = switch (r.nextInt(6)) {
            case 0, 1 -> null;
            case 2 -> {
                fields.add(new Field("ref", "null"));
                yield null;
            }
            default -> text(r, 0, 64, false);
        };
        if (ref != null) {
            fields.add(new Field("ref", quote(ref, r)));
        }
        ClientFrame frame = switch (type) {
            case "hello" -> {
                String token = r.nextInt(4) == 0 ? token(r) : null;
                String name = token == null || r.nextBoolean() ? name(r) : null;
                if (name != null) {
                    fields.add(new Field("name", quote(padding(r) + name + padding(r), r)));
                }
                if (token != null) {
                    fields.add(new Field("token", quote(token, r)));
                }
                yield new ClientFrame.Hello(name, token, ref);
            }
            case "auth" -> {
                String token = token(r);
                fields.add(new Field("token", quote(token, r)));
                yield new ClientFrame.Auth(token, ref);
            }
            case "join" -> {
                String room = room(r, fields);
                Position since = null;
                if (r.nextInt(3) == 0) {
                    fields.add(new Field("since", "null"));
                } else if (r.nextBoolean()) {
                    since = new Position(id(r, EPOCH_CHARS, 32), count(r, 0));
                    List<Field> position = new ArrayList<>(List.of(new Field("epoch", quote(since.epoch(), r)),
                            new Field("offset", Long.toString(since.offset()))));
                    unknownFields(r, position);
                    fields.add(new Field("since", object(shuffled(r, position), r)));
                }
                yield new ClientFrame.Join(room, since, ref);
            }
            case "leave" -> new ClientFrame.Leave(room(r, fields), ref);
            case "send" -> {
                String room = room(r, fields);
                String text = text(r, 1, maxTextLength, true);
                String clientMsgId = id(r, ID_CHARS, 64);
                fields.add(new Field("text", quote(text, r)));
                fields.add(new Field("clientMsgId", quote(clientMsgId, r)));
                yield new ClientFrame.Send(room, text, clientMsgId, ref);
            }
            case "typing" -> new ClientFrame.Typing(room(r, fields), ref);
            case "history" -> {
                String room = room(r, fields);
                Long before = r.nextInt(3) == 0 ? null : count(r, 1);
                int limit = r.nextInt(3) == 0 ? DEFAULT_LIMIT : r.nextInt(1, 101);
                if (before != null) {
                    fields.add(new Field("before", Long.toString(before)));
                } else if (r.nextBoolean()) {
                    fields.add(new Field("before", "null"));
                }
                if (limit != DEFAULT_LIMIT || r.nextBoolean()) {
                    fields.add(new Field("limit", Long.toString(limit)));
                } else if (r.nextBoolean()) {
                    fields.add(new Field("limit", "null"));
                }
                yield new ClientFrame.History(room, before, limit, ref);
            }
            case "ping" -> new ClientFrame.Ping(ref);
            default -> throw new IllegalArgumentException(type);
        };
        unknownFields(r, fields);
        List<Field> ordered = shuffled(r, fields);
        return new Valid(ordered, object(ordered, r), frame);
    }

    /**
     * A valid frame broken in one to three ways: fields dropped, duplicated, of another kind, with
     * huge, empty, unicode or control-character values, nested deep, numbers long or odd, the type
     * changed, unknown fields; sometimes the text itself cut, spliced or wrapped.
     */
    public String mutated(RandomGenerator r) {
        List<Field> fields = new ArrayList<>(valid(r).fields());
        for (int n = r.nextInt(1, 4); n > 0; n--) {
            int at = r.nextInt(fields.size() + 1);
            Field field = at < fields.size() ? fields.get(at) : new Field(anyNameOfAnyLength(r), "null");
            switch (r.nextInt(9)) {
                case 0 -> {
                    if (at < fields.size()) {
                        fields.remove(at);
                    }
                }
                case 1 -> replace(fields, at, new Field(field.name(), anyJsonValue(r, new int[] {8}, 4)));
                case 2 -> replace(fields, at, new Field(field.name(), quote(oddString(r), r)));
                case 3 -> replace(fields, at, new Field(field.name(), nested(r, field.value(), r.nextInt(1, 40))));
                case 4 -> replace(fields, at, new Field(field.name(), r.nextInt(4) == 0
                        ? NOT_NUMBERS.get(r.nextInt(NOT_NUMBERS.size())) : NUMBERS.get(r.nextInt(NUMBERS.size()))));
                case 5 -> replace(fields, at, new Field(field.name(), digits(r, r.nextInt(1, 60))));
                case 6 -> fields.add(r.nextInt(fields.size() + 1), new Field(field.name(),
                        r.nextBoolean() ? field.value() : anyJsonValue(r, new int[] {4}, 2)));
                case 7 -> fields.add(r.nextInt(fields.size() + 1), new Field("type", r.nextBoolean()
                        ? quote(TYPES.get(r.nextInt(TYPES.size())), r) : quote(oddType(r), r)));
                default -> unknownFields(r, fields);
            }
        }
        String json = object(fields, r);
        return r.nextInt(4) == 0 ? spliced(r, json) : json;
    }

    /** Any JSON value: an object (now and then with a known type) or anything else, some nested past any limit. */
    public String anyJson(RandomGenerator r) {
        return switch (r.nextInt(4)) {
            case 0 -> {
                List<Field> fields = new ArrayList<>();
                if (r.nextBoolean()) {
                    fields.add(new Field("type", quote(TYPES.get(r.nextInt(TYPES.size())), r)));
                }
                unknownFields(r, fields);
                if (r.nextBoolean()) {
                    fields.add(new Field(KNOWN_FIELDS.get(r.nextInt(KNOWN_FIELDS.size())),
                            anyJsonValue(r, new int[] {8}, 3)));
                }
                yield object(shuffled(r, fields), r);
            }
            case 1 -> nested(r, anyJsonValue(r, new int[] {2}, 1), r.nextInt(1, 40));
            default -> anyJsonValue(r, new int[] {r.nextInt(1, 64)}, r.nextInt(0, 20));
        };
    }

    /** Any text: random characters (lone surrogates included), JSON-like noise, or nothing. */
    public static String anyText(RandomGenerator r) {
        int length = r.nextInt(0, 200);
        StringBuilder out = new StringBuilder(length);
        boolean jsonish = r.nextBoolean();
        for (int i = 0; i < length; i++) {
            out.append(jsonish ? JSONISH.charAt(r.nextInt(JSONISH.length())) : (char) r.nextInt(0x10000));
        }
        return out.toString();
    }

    /** A valid room name: 1-64 characters of {@code A-Z a-z 0-9 _ - . :}, often exactly 64. */
    public static String anyRoom(RandomGenerator r) {
        return id(r, ID_CHARS, 64);
    }

    /** Fields as a JSON object, with random white space between the tokens. */
    public static String object(List<Field> fields, RandomGenerator r) {
        StringBuilder out = new StringBuilder("{").append(space(r));
        for (int i = 0; i < fields.size(); i++) {
            if (i > 0) {
                out.append(',').append(space(r));
            }
            out.append(quote(fields.get(i).name(), r)).append(space(r)).append(':').append(space(r))
                    .append(fields.get(i).value()).append(space(r));
        }
        return out.append('}').toString();
    }

    /**
     * A JSON string for {@code s}: what must be escaped is, in either form it may take; the rest
     * (lone surrogates included) is written as it is, or escaped as {@code \\uXXXX}.
     */
    public static String quote(String s, RandomGenerator r) {
        int mode = r.nextInt(4); // 0, 1: as needed; 2: everything not ASCII escaped; 3: anything may be
        StringBuilder out = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            String shortForm = switch (c) {
                case '"' -> "\\\"";
                case '\\' -> "\\\\";
                case '\n' -> "\\n";
                case '\r' -> "\\r";
                case '\t' -> "\\t";
                case '\b' -> "\\b";
                case '\f' -> "\\f";
                case '/' -> mode == 3 && r.nextBoolean() ? "\\/" : "/";
                default -> null;
            };
            if (shortForm != null && (c >= 0x20 || r.nextInt(4) != 0)) {
                out.append(shortForm);
            } else if (c < 0x20 || mode == 2 && c > 0x7e || mode == 3 && r.nextInt(8) == 0) {
                out.append(String.format(r.nextBoolean() ? "\\u%04x" : "\\u%04X", (int) c));
            } else {
                out.append(c);
            }
        }
        return out.append('"').toString();
    }

    /** White space between tokens: mostly none, some of each kind JSON allows. */
    private static String space(RandomGenerator r) {
        return r.nextInt(4) != 0 ? "" : List.of(" ", "\n", "\t", "\r\n", "  ").get(r.nextInt(5));
    }

    private String room(RandomGenerator r, List<Field> fields) {
        String room = rooms.apply(r);
        fields.add(new Field("room", quote(room, r)));
        return room;
    }

    private static void replace(List<Field> fields, int at, Field field) {
        if (at < fields.size()) {
            fields.set(at, field);
        } else {
            fields.add(field);
        }
    }

    /** 1-32 characters, neither starting nor ending with white space, no control characters. */
    private static String name(RandomGenerator r) {
        int budget = r.nextInt(4) == 0 ? 32 : r.nextInt(1, 33);
        StringBuilder out = new StringBuilder();
        while (out.length() < budget) {
            boolean edge = out.isEmpty() || out.length() >= budget - 2;
            int c = !edge && r.nextInt(5) == 0 ? ' ' : NAME_CHARS[r.nextInt(NAME_CHARS.length)];
            if (out.length() + Character.charCount(c) > budget) {
                c = 'n';
            }
            out.appendCodePoint(c);
        }
        return out.toString();
    }

    private static String padding(RandomGenerator r) {
        StringBuilder out = new StringBuilder();
        for (int n = r.nextInt(4) == 0 ? r.nextInt(1, 4) : 0; n > 0; n--) {
            out.append(PADDING.charAt(r.nextInt(PADDING.length())));
        }
        return out.toString();
    }

    /** 1-{@code max} characters of {@code chars}, often {@code max}. */
    private static String id(RandomGenerator r, String chars, int max) {
        int length = r.nextInt(4) == 0 ? max : r.nextInt(1, max + 1);
        StringBuilder out = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            out.append(chars.charAt(r.nextInt(chars.length())));
        }
        return out.toString();
    }

    /** A count at least {@code min}: small, at the edges, or anything up to {@link Long#MAX_VALUE}. */
    private static long count(RandomGenerator r, long min) {
        return switch (r.nextInt(4)) {
            case 0 -> min;
            case 1 -> Long.MAX_VALUE;
            case 2 -> r.nextLong(min, 1000);
            default -> r.nextLong(min, Long.MAX_VALUE);
        };
    }

    /**
     * {@code min} to {@code max} characters, with no lone surrogate: mostly printable, some control
     * characters, white space, anything of the BMP and beyond; {@code notBlank} keeps one that is not
     * white space.
     */
    private static String text(RandomGenerator r, int min, int max, boolean notBlank) {
        int length = switch (r.nextInt(10)) {
            case 0, 1 -> r.nextInt(min, max + 1);
            case 2 -> Math.max(min, max - r.nextInt(2));
            default -> r.nextInt(min, Math.min(max, 40) + 1);
        };
        StringBuilder out = new StringBuilder(length);
        while (out.length() < length) {
            int c = switch (r.nextInt(20)) {
                case 0 -> r.nextInt(0x20);
                case 1, 2 -> WHITE_SPACE.charAt(r.nextInt(WHITE_SPACE.length()));
                case 3, 4, 5 -> r.nextInt(0xa0, 0xd800);
                case 6 -> r.nextInt(0xe000, 0x10000);
                case 7 -> r.nextInt(0x10000, 0x110000);
                default -> r.nextInt(0x20, 0x7f);
            };
            if (out.length() + Character.charCount(c) > length) {
                c = 'x';
            }
            out.appendCodePoint(c);
        }
        if (notBlank && out.toString().isBlank()) {
            out.setCharAt(0, 'x'); // white space is never a surrogate
        }
        return out.toString();
    }

    /** Adds fields the protocol does not know, which a valid frame may carry. */
    private static void unknownFields(RandomGenerator r, List<Field> fields) {
        for (int n = r.nextInt(3) == 0 ? r.nextInt(1, 4) : 0; n > 0; n--) {
            fields.add(new Field(anyName(r), anyJsonValue(r, new int[] {12}, r.nextInt(0, 5))));
        }
    }

    /** A field name the protocol does not know, of up to 20 characters. */
    private static String anyName(RandomGenerator r) {
        String name = text(r, 0, 20, false);
        return KNOWN_FIELDS.contains(name) ? "x-" + name : name;
    }

    /** Any field name, now and then longer than the 64 characters a frame's may have. */
    private static String anyNameOfAnyLength(RandomGenerator r) {
        return r.nextInt(10) == 0 ? "k".repeat(r.nextInt(60, 80)) : anyName(r);
    }

    private static List<Field> shuffled(RandomGenerator r, List<Field> fields) {
        List<Field> out = new ArrayList<>(fields);
        for (int i = out.size() - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            Field swap = out.get(i);
            out.set(i, out.get(j));
            out.set(j, swap);
        }
        return out;
    }

    /** A JSON value of any kind, at most {@code depth} deep, taking from {@code budget} one per value. */
    private static String anyJsonValue(RandomGenerator r, int[] budget, int depth) {
        budget[0]--;
        int kinds = depth > 0 && budget[0] > 0 ? 10 : 8;
        return switch (r.nextInt(kinds)) {
            case 0 -> "null";
            case 1 -> r.nextBoolean() ? "true" : "false";
            case 2 -> Long.toString(r.nextLong());
            case 3 -> NUMBERS.get(r.nextInt(NUMBERS.size()));
            case 4 -> Double.toString(r.nextDouble(-1e9, 1e9));
            case 5 -> quote(oddString(r), r);
            case 6, 7 -> quote(text(r, 0, 30, false), r);
            case 8 -> {
                StringBuilder out = new StringBuilder("[");
                for (int n = r.nextInt(0, 5); n > 0 && budget[0] > 0; n--) {
                    out.append(out.length() > 1 ? "," : "").append(anyJsonValue(r, budget, depth - 1));
                }
                yield out.append(']').toString();
            }
            default -> {
                List<Field> fields = new ArrayList<>();
                for (int n = r.nextInt(0, 5); n > 0 && budget[0] > 0; n--) {
                    fields.add(new Field(r.nextBoolean() ? anyName(r) : KNOWN_FIELDS.get(r.nextInt(KNOWN_FIELDS.size())),
                            anyJsonValue(r, budget, depth - 1)));
                }
                yield object(fields, r);
            }
        };
    }

    /** {@code value} inside {@code depth} arrays or objects. */
    private static String nested(RandomGenerator r, String value, int depth) {
        StringBuilder open = new StringBuilder();
        StringBuilder close = new StringBuilder();
        for (int i = 0; i < depth; i++) {
            if (r.nextBoolean()) {
                open.append('[');
                close.insert(0, ']');
            } else {
                open.append("{\"a\":");
                close.insert(0, '}');
            }
        }
        return open + value + close;
    }

    private static String digits(RandomGenerator r, int length) {
        StringBuilder out = new StringBuilder(r.nextBoolean() ? "-" : "");
        out.append((char) ('1' + r.nextInt(9)));
        for (int i = 1; i < length; i++) {
            out.append((char) ('0' + r.nextInt(10)));
        }
        return out.toString();
    }

    /** Something shaped like a JWT (three base64url parts), 1-8192 characters. */
    private static String token(RandomGenerator r) {
        String chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.";
        StringBuilder token = new StringBuilder();
        int length = r.nextInt(10) == 0 ? 8192 : r.nextInt(1, 400);
        for (int i = 0; i < length; i++) {
            token.append(chars.charAt(r.nextInt(chars.length())));
        }
        return token.toString();
    }

    /** Strings that sit at or past some rule: empty, blank, at the 64 and 32 limits, huge, control characters, lone surrogates. */
    private static String oddString(RandomGenerator r) {
        return switch (r.nextInt(12)) {
            case 0 -> "";
            case 1 -> " \t\n".substring(r.nextInt(3));
            case 2 -> "x".repeat(r.nextInt(30, 35));
            case 3 -> "r".repeat(r.nextInt(62, 67));
            case 4 -> String.valueOf((char) r.nextInt(0x10000)).repeat(r.nextInt(500, 6000));
            case 5 -> "\u0000\u0007\u001b\u007f\u0085";
            case 6 -> List.of("\ud800", "\udc00x", "a\ud83d", "\ude00\ud83d").get(r.nextInt(4));
            case 7 -> "日本語😀\u200d\u202eabc e\u0301";
            case 8 -> List.of("{tag}", "a b", "lobby\n", "room/1", "lobby").get(r.nextInt(5));
            case 9 -> id(r, ID_CHARS, 64);
            case 10 -> TYPES.get(r.nextInt(TYPES.size()));
            default -> anyText(r);
        };
    }

    private static String oddType(RandomGenerator r) {
        String type = TYPES.get(r.nextInt(TYPES.size()));
        return switch (r.nextInt(6)) {
            case 0 -> type.toUpperCase();
            case 1 -> " " + type;
            case 2 -> type + "\u0000";
            case 3 -> "";
            case 4 -> type.repeat(r.nextInt(2, 300));
            default -> oddString(r);
        };
    }

    /** The text cut short, with a character put in or taken out, a piece repeated, or wrapped in something else. */
    private static String spliced(RandomGenerator r, String json) {
        int at = r.nextInt(json.length() + 1);
        return switch (r.nextInt(7)) {
            case 0 -> json.substring(0, at);
            case 1 -> json.substring(0, at) + JSONISH.charAt(r.nextInt(JSONISH.length())) + json.substring(at);
            case 2 -> json.substring(0, at) + (char) r.nextInt(0x10000) + json.substring(at);
            case 3 -> at < json.length() ? json.substring(0, at) + json.substring(at + 1) : json;
            case 4 -> json.substring(0, at) + json.substring(r.nextInt(at + 1));
            case 5 -> List.of("[" + json + "]", "\"" + json + "\"", json + json, json + "x").get(r.nextInt(4));
            default -> "\ufeff" + json;
        };
    }
}
