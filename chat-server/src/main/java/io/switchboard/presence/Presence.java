package io.switchboard.presence;

import io.switchboard.broker.Broker;
import io.switchboard.broker.HistoryPage;
import io.switchboard.protocol.Member;
import java.util.concurrent.CompletableFuture;

/**
 * Who is in a room, across the cluster. A member belongs to the node that holds its connection;
 * when a node dies without saying goodbye, its members are removed (and a {@code presence leave}
 * is relayed to their rooms) within {@code switchboard.cluster.ttl} plus one heartbeat.
 *
 * <p>No method blocks the caller: each returns a future, failed with
 * {@link io.switchboard.broker.BrokerUnavailableException} when the backend cannot be reached, so
 * a room lane can start a join and go on delivering while the answer is on its way. Calls for one
 * room take effect in the order they are made: a {@link #join} made after a {@link #leave} of the
 * same member leaves it present.
 */
public interface Presence {

    /**
     * Adds the member to the room, then answers the room's roster on every node: the new member is
     * listed when the room is no larger than the list limit.
     */
    CompletableFuture<Roster> join(String room, Member member);

    /**
     * Opens the room for a joiner: the broker's read ({@link Broker#open} with the member's account),
     * then, if it succeeds, {@link #join}. The member is not added to a room it may not enter (banned)
     * or that does not exist and may not be created now. A store that keeps presence in the broker's
     * Redis does both in one script, one round trip; by default the join waits for the read. A caller
     * whose open failed otherwise (no answer in time) takes the join back with {@link #leave}.
     */
    default CompletableFuture<Opened> open(Broker broker, String room, Member member, long afterOffset, int limit,
                                           boolean create) {
        return broker.open(room, afterOffset, limit, create, member.account())
                .thenCompose(page -> join(room, member).thenApply(roster -> new Opened(page, roster)));
    }

    /** The room's roster on every node, in no particular order. */
    CompletableFuture<Roster> members(String room);

    /** How many members the room has on every node. */
    CompletableFuture<Integer> count(String room);

    /** Removes the member from the room; answers how many members are left on every node. */
    CompletableFuture<Integer> leave(String room, Member member);

    /**
     * What opening a room for a joiner reads.
     *
     * @param page   the page of the room's log after the joiner's position ({@link Broker#open})
     * @param roster the room's roster, the joiner in it
     */
    record Opened(HistoryPage page, Roster roster) {}
}
