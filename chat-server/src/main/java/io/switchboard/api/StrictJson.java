package io.switchboard.api;

import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.databind.DeserializationContext;
import tools.jackson.databind.ValueDeserializer;

/**
 * The API's request fields take the JSON type they are documented with, as the WebSocket protocol's
 * do: a number or {@code true} sent for a text, or {@code "false"} for a flag, is refused (400), not
 * turned into the other type by Jackson's coercions. Put on the request records' fields, so that
 * nothing else the node parses (the actuator endpoints' bodies) is affected.
 */
final class StrictJson {

    private StrictJson() {
    }

    /** A JSON string, and only that. */
    static final class Text extends ValueDeserializer<String> {
        @Override
        public String deserialize(JsonParser parser, DeserializationContext context) {
            if (parser.currentToken() == JsonToken.VALUE_STRING) {
                return parser.getString();
            }
            return (String) context.handleUnexpectedToken(String.class, parser);
        }
    }

    /** {@code true} or {@code false}, and only that. */
    static final class Flag extends ValueDeserializer<Boolean> {
        @Override
        public Boolean deserialize(JsonParser parser, DeserializationContext context) {
            return switch (parser.currentToken()) {
                case VALUE_TRUE -> Boolean.TRUE;
                case VALUE_FALSE -> Boolean.FALSE;
                default -> (Boolean) context.handleUnexpectedToken(Boolean.class, parser);
            };
        }
    }
}
