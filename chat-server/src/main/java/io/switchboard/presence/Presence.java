package io.switchboard.presence;

import io.switchboard.protocol.Member;
import java.util.List;

/**
 * Who is in a room, across the cluster. A member belongs to the node that holds its connection;
 * when a node dies without saying goodbye, its members are removed (and a {@code presence leave}
 * is relayed to their rooms) within {@code switchboard.presence.ttl} plus one heartbeat.
 *
 * <p>Calls may block for up to the backend's command timeout: call them from worker threads,
 * never from an I/O thread. They throw {@link io.switchboard.broker.BrokerUnavailableException}
 * when the backend cannot be reached.
 */
public interface Presence {

    void add(String room, Member member);

    void remove(String room, Member member);

    /** The room's members on every node, in no particular order. */
    List<Member> members(String room);
}
