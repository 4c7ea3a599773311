package io.switchboard.protocol;

/**
 * The body of a chat message as stored in a room's log and relayed between nodes; the room, epoch
 * and offset are assigned by the broker and added when the {@code message} frame is built.
 */
public record ChatMessage(String id, String from, String fromName, String text, long ts, String clientMsgId) {}
