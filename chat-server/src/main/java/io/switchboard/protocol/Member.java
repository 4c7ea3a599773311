package io.switchboard.protocol;

/** One connection present in a room: its session id, display name and the node holding it. */
public record Member(String id, String name, String node) {}
