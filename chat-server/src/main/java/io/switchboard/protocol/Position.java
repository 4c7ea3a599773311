package io.switchboard.protocol;

/**
 * A place in a room's stream: "I have everything up to {@code offset} of {@code epoch}".
 * Offsets are dense per room and start at 1; offset 0 means "nothing yet". The epoch changes when
 * the room's log was lost, and offsets of one epoch mean nothing in another.
 */
public record Position(String epoch, long offset) {}
