package io.switchboard.broker;

import io.switchboard.protocol.EventKind;
import io.switchboard.protocol.StoredMessage;

/**
 * The one callback through which broker traffic reaches the node. Called on the broker's I/O
 * thread: implementations must hand work off and return at once, never block.
 */
public interface BrokerEventHandler {

    /** A message stored in {@code room} at {@code epoch}/{@code message.offset()}. */
    void onPublication(String room, String epoch, StoredMessage message);

    /** An ephemeral, already encoded frame of {@code kind} relayed to the room. */
    void onEvent(String room, EventKind kind, String frame);

    /**
     * The subscription to {@code room} is (again) active, e.g. after the backend came back: messages
     * published in between may have been missed and should be read from the log.
     */
    void onSubscribed(String room);
}
