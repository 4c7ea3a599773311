package io.switchboard.protocol;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * The body of a chat message as stored in a room's log and relayed between nodes; the room, epoch
 * and offset are assigned by the broker and added when the {@code message} frame is built.
 * {@code fromUser} is the sender's proven user id, absent for an anonymous sender.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ChatMessage(String id, String from, String fromName, String fromUser, String text, long ts,
                          String clientMsgId) {

    /** A message from an anonymous sender. */
    public ChatMessage(String id, String from, String fromName, String text, long ts, String clientMsgId) {
        this(id, from, fromName, null, text, ts, clientMsgId);
    }
}
