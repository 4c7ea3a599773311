package io.switchboard.broker;

import io.switchboard.protocol.EventKind;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Carries room traffic between nodes and keeps each room's log.
 *
 * <p>Guarantees, for every implementation:
 * <ul>
 *   <li>{@link #publish} is atomic with history: a message is either stored at the room's next dense
 *       offset and delivered to subscribers, or not stored at all (the future fails). A second
 *       publish with the same dedupe key within the dedupe window stores nothing and answers the
 *       first one's position, marked duplicate.</li>
 *   <li>Pub/sub delivery is at most once; subscribers detect a gap from the dense offsets and
 *       repair it with {@link #since}. Together: every stored message reaches every subscriber
 *       exactly once, in offset order.</li>
 *   <li>Each room has an epoch. If the log is lost, the epoch changes and offsets restart at 1; if
 *       it went back in time, {@link #fence} changes the epoch; a position of one epoch is never
 *       compared with another's offsets.</li>
 *   <li>Ephemeral events ({@link #publishEvent}: presence, typing) are best effort and not stored.</li>
 * </ul>
 * No method blocks the caller: each returns a future, failed with {@link BrokerUnavailableException}
 * while the backend cannot be reached.
 */
public interface Broker {

    /** Sets the one handler that receives everything arriving on subscribed rooms. Call once, before subscribing. */
    void setHandler(BrokerEventHandler handler);

    /** Starts receiving a room's traffic; completes once the subscription is active. */
    CompletableFuture<Void> subscribe(String room);

    /** Stops receiving a room's traffic. */
    CompletableFuture<Void> unsubscribe(String room);

    /**
     * Stores {@code body} at the room's next offset (unless {@code dedupeKey}, a sender's
     * clientMsgId, was seen) and delivers it; if {@code sender} (a user, as {@link
     * io.switchboard.protocol.Member#account()} names it) is banned from the room, the future fails
     * with {@link BannedException} and nothing is stored. {@code sender} null: no ban applies (the
     * server API's posts).
     */
    CompletableFuture<PublishResult> publish(String room, String dedupeKey, String body, String sender);

    /** {@link #publish(String, String, String, String)} with no ban to check. */
    default CompletableFuture<PublishResult> publish(String room, String dedupeKey, String body) {
        return publish(room, dedupeKey, body, null);
    }

    /** Relays an already encoded frame of {@code kind} to every node subscribed to the room; not stored. */
    CompletableFuture<Void> publishEvent(String room, EventKind kind, String frame);

    /**
     * Up to {@code limit} stored messages after {@code afterOffset}, oldest first, with the room's
     * position. A room that does not exist (never written, and not kept by a member) is created, at
     * a new epoch: this read is how a node finds out that a room's log was lost.
     */
    CompletableFuture<HistoryPage> since(String room, long afterOffset, int limit);

    /**
     * What a join reads: {@link #since}, except that a room that does not exist is created only if
     * {@code create}, else the future fails with {@link NoSuchRoomException} and nothing is
     * written. {@link HistoryPage#created()} says whether this call created the room. A {@code user}
     * (null: none) banned from the room fails it with {@link BannedException}, writing nothing.
     *
     * <p>A room that never held a message lives while it has members (their presence keeps it) and
     * {@code switchboard.history.empty-room-retention} after the last one left; one written to lives
     * {@code retention} after its last message.
     */
    CompletableFuture<HistoryPage> open(String room, long afterOffset, int limit, boolean create, String user);

    /**
     * The rooms that exist (that hold messages, or are kept by members), a page at a time, in no
     * particular order: {@code cursor} null for the first page, then the last page's {@link
     * RoomPage#next}; about {@code limit} rooms a page. A room may show twice across pages, and one
     * created or removed meanwhile may or may not show. A cursor this broker did not make fails the
     * future with {@link IllegalArgumentException}.
     */
    CompletableFuture<RoomPage> rooms(String cursor, int limit);

    /** The newest {@code limit} stored messages before {@code beforeOffset} ({@code 0}: before none), oldest first. */
    CompletableFuture<HistoryPage> before(String room, long beforeOffset, int limit);

    /**
     * The room's log is behind a position this node delivered ({@code lastOffset} in {@code epoch}):
     * it was rolled back. Moves the room to a new epoch, keeping its log, unless it has moved on
     * already, and answers the epoch it has now. A log that cannot go back in time answers its epoch.
     */
    CompletableFuture<String> fence(String room, String epoch, long lastOffset);

    /**
     * Keeps {@code ban.user()} out of the room until {@code ban.until()} (null: for good), in place of
     * any ban it had there: {@link #open} and {@link #publish} refuse it. Taking the user out of the
     * room where it is now is the caller's part.
     */
    CompletableFuture<Void> ban(String room, Ban ban);

    /** Lifts the user's ban from the room; answers whether there was one in force. */
    CompletableFuture<Boolean> unban(String room, String user);

    /** The bans in force in the room, in the order they end (those for good last). */
    CompletableFuture<List<Ban>> bans(String room);

    /**
     * Makes the message at {@code offset} a tombstone ({@link Tombstones}): its text is dropped, the
     * offset stays, and reads ({@link #since}, {@link #before}) answer the tombstone in its place.
     * The room's subscribers get a {@code deleted} frame (an event of kind {@link EventKind#PRESENCE},
     * never dropped). {@code epoch} (null: the room's) is the epoch the caller means the offset in.
     * Fails with {@link NoSuchRoomException}, or {@link NoSuchMessageException} when the log does not
     * hold that offset in that epoch. Deleting a tombstone again changes nothing.
     */
    CompletableFuture<Deletion> delete(String room, long offset, String epoch);

    /** Whether the backend can be reached now. */
    boolean isAvailable();
}
