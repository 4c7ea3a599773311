package io.switchboard.broker;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * What a deleted message becomes, the same for every broker ({@code delete.lua} writes the same
 * with Redis): the stored body without its text, {@code {"id", "from", "fromName", "fromUser", "ts",
 * "deleted": true}}, and the {@code deleted} frame its room's members are sent.
 */
final class Tombstones {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final String[] KEPT = {"id", "from", "fromName", "fromUser"};

    private Tombstones() {
    }

    /** The tombstone of a stored body. */
    static String of(String body) {
        ObjectNode tomb = JSON.createObjectNode();
        JsonNode message = JSON.readTree(body);
        for (String field : KEPT) {
            if (message.path(field).isString()) {
                tomb.put(field, message.get(field).stringValue());
            }
        }
        if (message.path("ts").isNumber()) {
            tomb.put("ts", message.get("ts").longValue());
        }
        return JSON.writeValueAsString(tomb.put("deleted", true));
    }

    /** The {@code deleted} frame; room names and epochs need no escaping (protocol's characters). */
    static String frame(String room, String epoch, long offset) {
        return "{\"type\":\"deleted\",\"room\":\"" + room + "\",\"epoch\":\"" + epoch + "\",\"offset\":" + offset + "}";
    }
}
