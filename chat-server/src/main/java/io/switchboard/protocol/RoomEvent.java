package io.switchboard.protocol;

/**
 * One event of a room, as its log of events for the webhooks keeps it.
 *
 * @param room   the room
 * @param id     its id within the room, in the order the room's events happened (a Redis stream id,
 *               {@code <ms>-<n>})
 * @param type   what happened
 * @param seq    the room's event count at this event: dense, from 1, while the room's events are kept
 * @param at     when (epoch ms)
 * @param epoch  the room's epoch (message events; else null)
 * @param offset the message's offset (message events; else 0)
 * @param data   the message's body (message.created) or the member's JSON (member events); else null
 */
public record RoomEvent(String room, String id, RoomEventType type, long seq, long at, String epoch, long offset,
                        String data) {}
