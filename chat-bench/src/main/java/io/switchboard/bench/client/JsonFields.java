package io.switchboard.bench.client;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Picks a few fields of one JSON object straight out of its UTF-8 bytes, in one pass, without
 * building a tree or decoding anything else. It exists for the hot frames only (a Switchboard
 * {@code message}, a Socket.IO {@code msg} event): they arrive tens of thousands of times a second,
 * and a load generator that parses each into a tree costs more CPU than the servers it measures.
 * Rare frames go to Jackson.
 *
 * <p>Field order does not matter and unknown fields are skipped (nested objects and arrays
 * included), as the protocols ask of clients. Only the object's syntax is checked, not every
 * value: {@link #scan} answers false for bytes that are not one JSON object, and the caller then
 * hands them to Jackson, which reports them. A string with escapes is decoded by Jackson too; the
 * benchmark's own texts have none.
 *
 * <p>One instance per connection, reused for every frame: not thread-safe.
 */
final class JsonFields {

    private static final int ABSENT = -1;
    private static final byte STRING = 1;
    private static final byte LITERAL = 2;
    private static final byte NESTED = 3;

    private final byte[][] names;
    private final int[] start;
    private final int[] end;
    private final byte[] kind;
    private final boolean[] escaped;
    private byte[] bytes;
    /** Set by {@link #endOfString}: whether the string just skipped had a backslash. */
    private boolean lastEscaped;

    /** @param names the fields to pick, numbered in this order: {@code 0, 1, ...} */
    JsonFields(String... names) {
        this.names = Arrays.stream(names).map(name -> name.getBytes(StandardCharsets.UTF_8)).toArray(byte[][]::new);
        start = new int[names.length];
        end = new int[names.length];
        kind = new byte[names.length];
        escaped = new boolean[names.length];
    }

    /**
     * Reads the object that starts at {@code from} (after optional white space) and ends at or
     * before {@code to}; anything after its closing brace is ignored. The picked fields refer to
     * {@code utf8} until the next scan.
     *
     * @return whether the bytes hold a JSON object (if not, the picked fields are all absent)
     */
    boolean scan(byte[] utf8, int from, int to) {
        bytes = utf8;
        Arrays.fill(start, ABSENT);
        if (readObject(from, to)) {
            return true;
        }
        Arrays.fill(start, ABSENT);
        return false;
    }

    /** Whether the field is a string of exactly these bytes (without escapes). */
    boolean isString(int field, byte[] expected) {
        return start[field] != ABSENT && kind[field] == STRING && !escaped[field]
                && Arrays.equals(bytes, start[field], end[field], expected, 0, expected.length);
    }

    /** The field's string value, or null when it is absent or not a string. */
    String string(int field) {
        if (start[field] == ABSENT || kind[field] != STRING) {
            return null;
        }
        if (escaped[field]) {
            // with its quotes, the value is a JSON document of its own
            return Json.MAPPER.readValue(bytes, start[field] - 1, end[field] - start[field] + 2, String.class);
        }
        return new String(bytes, start[field], end[field] - start[field], StandardCharsets.UTF_8);
    }

    /** The field's value when it is an integer that fits a long; {@code otherwise} when not. */
    long integer(int field, long otherwise) {
        if (start[field] == ABSENT || kind[field] != LITERAL) {
            return otherwise;
        }
        int i = start[field];
        boolean negative = bytes[i] == '-';
        if (negative) {
            i++;
        }
        int digits = end[field] - i;
        if (digits < 1 || digits > 18) { // 18 digits always fit
            return otherwise;
        }
        long value = 0;
        for (; i < end[field]; i++) {
            int digit = bytes[i] - '0';
            if (digit < 0 || digit > 9) {
                return otherwise;
            }
            value = value * 10 + digit;
        }
        return negative ? -value : value;
    }

    private boolean readObject(int from, int to) {
        int i = skipSpace(from, to);
        if (i >= to || bytes[i] != '{') {
            return false;
        }
        i = skipSpace(i + 1, to);
        if (i < to && bytes[i] == '}') {
            return true;
        }
        while (i < to && bytes[i] == '"') {
            int nameEnd = endOfString(i + 1, to);
            if (nameEnd < 0) {
                return false;
            }
            int field = field(i + 1, nameEnd);
            i = skipSpace(nameEnd + 1, to);
            if (i >= to || bytes[i] != ':') {
                return false;
            }
            i = skipSpace(i + 1, to);
            if (i >= to) {
                return false;
            }
            int valueStart = i;
            byte valueKind;
            switch (bytes[i]) {
                case '"' -> {
                    valueStart = i + 1;
                    i = endOfString(valueStart, to);
                    if (i < 0) {
                        return false;
                    }
                    valueKind = STRING;
                }
                case '{', '[' -> {
                    i = endOfNested(i, to);
                    if (i < 0) {
                        return false;
                    }
                    valueKind = NESTED;
                }
                default -> {
                    while (i < to && bytes[i] != ',' && bytes[i] != '}' && !isSpace(bytes[i])) {
                        i++;
                    }
                    if (i == valueStart) {
                        return false;
                    }
                    valueKind = LITERAL;
                }
            }
            if (field != ABSENT) {
                start[field] = valueStart;
                end[field] = i;
                kind[field] = valueKind;
                escaped[field] = valueKind == STRING && lastEscaped;
            }
            if (valueKind == STRING) {
                i++; // the closing quote
            }
            i = skipSpace(i, to);
            if (i >= to) {
                return false;
            }
            if (bytes[i] == '}') {
                return true;
            }
            if (bytes[i] != ',') {
                return false;
            }
            i = skipSpace(i + 1, to);
        }
        return false;
    }

    private int field(int nameStart, int nameEnd) {
        for (int f = 0; f < names.length; f++) {
            if (Arrays.equals(bytes, nameStart, nameEnd, names[f], 0, names[f].length)) {
                return f;
            }
        }
        return ABSENT;
    }

    /** The index of the quote that closes the string whose content starts at {@code i}, or -1. */
    private int endOfString(int i, int to) {
        lastEscaped = false;
        for (; i < to; i++) {
            byte b = bytes[i];
            if (b == '"') {
                return i;
            }
            if (b == '\\') {
                lastEscaped = true;
                i++; // the escaped character, a quote perhaps
            }
        }
        return -1;
    }

    /** The index just after the object or array that opens at {@code i}, or -1. */
    private int endOfNested(int i, int to) {
        int depth = 0;
        for (; i < to; i++) {
            switch (bytes[i]) {
                case '"' -> {
                    i = endOfString(i + 1, to);
                    if (i < 0) {
                        return -1;
                    }
                }
                case '{', '[' -> depth++;
                case '}', ']' -> {
                    if (--depth == 0) {
                        return i + 1;
                    }
                }
                default -> { }
            }
        }
        return -1;
    }

    private int skipSpace(int i, int to) {
        while (i < to && isSpace(bytes[i])) {
            i++;
        }
        return i;
    }

    private static boolean isSpace(byte b) {
        return b == ' ' || b == '\n' || b == '\r' || b == '\t';
    }
}
