package io.switchboard.broker;

import io.switchboard.protocol.EventKind;
import io.switchboard.protocol.StoredMessage;

/**
 * The one callback through which broker traffic reaches the node. Called on the broker's I/O
 * thread (or, in memory, on the publisher's): implementations must never block.
 */
public interface BrokerEventHandler {

    /**
     * A message stored in {@code room} at {@code epoch}/{@code message.offset()}, told by a thread that
     * may hold a lock of the broker's or be the publisher's own: the handler hands its delivery off.
     */
    void onPublication(String room, String epoch, StoredMessage message);

    /**
     * The same, received on the broker's I/O thread, which holds no lock and may spend a delivery's
     * time (writes are queued, nothing waits): the handler may deliver it there. By default as
     * {@link #onPublication}.
     */
    default void onPublicationReceived(String room, String epoch, StoredMessage message) {
        onPublication(room, epoch, message);
    }

    /** An ephemeral, already encoded frame of {@code kind} relayed to the room. */
    void onEvent(String room, EventKind kind, String frame);

    /**
     * The subscription to {@code room} is (again) active, e.g. after the backend came back: messages
     * published in between may have been missed and should be read from the log.
     */
    void onSubscribed(String room);
}
