package io.switchboard.broker;

import io.switchboard.protocol.EventKind;
import io.switchboard.protocol.StoredMessage;

/**
 * What travels on a room's channel (docs/operations.md, "Redis keys and channels"):
 * {@code p<epoch>\n<offset>\n<body>} a stored message (written by the scripts), {@code e<frame>} an
 * ephemeral frame, and, read already for the next release, {@code t<frame>} typing and
 * {@code r<frame>} presence.
 */
final class RoomChannelPayload {

    private RoomChannelPayload() {
    }

    /**
     * The payload of an event: {@code e<frame>}, which the release before reads (it tells the kinds
     * apart by the frame itself). The next release writes {@code t} or {@code r} by {@code kind}.
     */
    static String event(EventKind kind, String frame) {
        return "e" + frame;
    }

    /** Hands one payload to the handler; false if it is malformed (and nothing was handed). */
    static boolean dispatch(String room, String payload, BrokerEventHandler handler) {
        if (payload.isEmpty()) {
            return false;
        }
        switch (payload.charAt(0)) {
            case 't' -> handler.onEvent(room, EventKind.TYPING, payload.substring(1));
            case 'r' -> handler.onEvent(room, EventKind.PRESENCE, payload.substring(1));
            case 'e' -> {
                String frame = payload.substring(1);
                handler.onEvent(room, EventKind.ofEncoded(frame), frame);
            }
            case 'p' -> {
                int a = payload.indexOf('\n');
                int b = payload.indexOf('\n', a + 1);
                if (a < 0 || b < 0) {
                    return false;
                }
                long offset = Long.parseLong(payload, a + 1, b, 10);
                handler.onPublicationReceived(room, payload.substring(1, a), new StoredMessage(offset, payload.substring(b + 1)));
            }
            default -> {
                return false;
            }
        }
        return true;
    }
}
