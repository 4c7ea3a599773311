package io.switchboard.protocol;

/** An encoded {@link ChatMessage} body at its place in a room's log. */
public record StoredMessage(long offset, String body) {}
