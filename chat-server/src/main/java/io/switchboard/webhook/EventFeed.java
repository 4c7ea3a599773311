package io.switchboard.webhook;

import io.switchboard.protocol.RoomEvent;
import java.util.Collection;
import java.util.List;

/**
 * The rooms' events as the webhooks read them, shared by the nodes: a room with undelivered events
 * is due; a node claims due rooms and delivers each one's events in order, then releases it. A
 * room is held by one node at a time, for a lease the node renews while it works; a node that dies
 * loses its rooms when their leases end, and another claims them and goes on from each webhook's
 * last delivered event. Calls block (they run on the dispatcher's virtual threads).
 */
interface EventFeed extends AutoCloseable {

    /** Up to {@code max} due rooms that no node holds, now held by this one. */
    List<String> claim(int max);

    /** Keeps holding these rooms for another lease. */
    void renew(Collection<String> rooms);

    /** Up to {@code max} of the room's events after the last one {@code webhook} has had, oldest first. */
    List<RoomEvent> read(String room, String webhook, int max);

    /** {@code webhook} has had the room's events up to {@code event} (delivered, parked, or not its type). */
    void advance(RoomEvent event, String webhook);

    /** Stops holding the room, every event delivered; it stays due if events came while it was held. */
    void release(String room);

    /** Stops holding the room with events left to deliver: it is due again after {@code delay}, for any node. */
    void later(String room, java.time.Duration delay);

    /** Keeps an event a webhook could not take, for the dead-letter API. */
    void park(String webhook, DeadLetter letter);

    /** Up to {@code max} of the webhook's parked events, oldest first. */
    List<DeadLetter> deadLetters(String webhook, int max);

    /** Drops a parked event (it was replayed); false if there was none with that id. */
    boolean forget(String webhook, String id);

    /**
     * The safety net of a Redis Cluster, where a room is marked due by the node after the script that
     * stored its event (another slot): marks due every room with undelivered events that is neither
     * due nor held, as a node that died between the two leaves one. One node a round looks (the
     * others return at once); answers how many rooms it marked. Elsewhere the script marks the room
     * in the same step, and there is nothing to do.
     */
    default int sweep(java.time.Duration round) {
        return 0;
    }

    /** Lets go of what the feed holds open (its Redis connection); called once deliveries stopped. */
    @Override
    default void close() {
    }
}
