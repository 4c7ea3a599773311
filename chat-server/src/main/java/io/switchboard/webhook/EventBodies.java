package io.switchboard.webhook;

import io.switchboard.protocol.RoomEvent;
import io.switchboard.protocol.RoomEventType;

/**
 * The JSON body a webhook receives for an event (docs/webhooks.md, "Events"):
 * {@code {"id", "type", "room", "seq", "at"}}, with {@code epoch} and {@code offset} for message
 * events, the stored {@code message} for {@code message.created} and the {@code member} for member
 * events. Built as text: the message body and the member are JSON as the node stored them, and room
 * names, epochs and ids hold no character JSON would escape.
 */
final class EventBodies {

    private EventBodies() {
    }

    /** The event's id, unique across rooms and time: {@code <room>:<its id in the room>}. */
    static String id(RoomEvent event) {
        return event.room() + ":" + event.id();
    }

    static String json(RoomEvent event) {
        StringBuilder out = new StringBuilder(128 + (event.data() == null ? 0 : event.data().length()));
        out.append("{\"id\":\"").append(id(event)).append("\",\"type\":\"").append(event.type().wire())
                .append("\",\"room\":\"").append(event.room()).append("\",\"seq\":").append(event.seq())
                .append(",\"at\":").append(event.at());
        if (event.epoch() != null) {
            out.append(",\"epoch\":\"").append(event.epoch()).append("\",\"offset\":").append(event.offset());
        }
        if (event.data() != null) {
            out.append(event.type() == RoomEventType.MESSAGE_CREATED ? ",\"message\":" : ",\"member\":")
                    .append(event.data());
        }
        return out.append('}').toString();
    }
}
