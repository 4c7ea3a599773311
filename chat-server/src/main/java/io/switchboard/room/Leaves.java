package io.switchboard.room;

import io.switchboard.broker.Broker;
import io.switchboard.presence.Announcer;
import io.switchboard.presence.Presence;
import io.switchboard.protocol.ErrorCode;
import io.switchboard.protocol.Member;
import io.switchboard.protocol.ServerFrame;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Leaving a room: the member goes from the room here and from its presence everywhere, the room is
 * told (see {@link Announcer}), and a room with no local member left and no join in flight is
 * forgotten and unsubscribed. Runs on the room's lane; a leave of a member whose join is in flight
 * waits for that join.
 */
final class Leaves {

    private static final Logger log = LoggerFactory.getLogger(Leaves.class);

    private final Broker broker;
    private final Presence presence;
    private final Announcer announcer;
    private final Replies replies;
    private final RoomMetrics metrics;

    Leaves(Broker broker, Presence presence, Announcer announcer, Replies replies, RoomMetrics metrics) {
        this.broker = broker;
        this.presence = presence;
        this.announcer = announcer;
        this.replies = replies;
        this.metrics = metrics;
    }

    /**
     * Takes the recipient out of the room. {@code answer}: tell it {@code left} (with {@code reason}
     * if one is given), or {@code error not_joined} when it was not in the room and no reason was
     * given; a removal with a reason of a recipient no longer in the room says nothing.
     */
    void leave(Map<String, Room> rooms, Recipient recipient, String room, String ref, boolean answer, String reason) {
        Room state = rooms.get(room);
        String id = recipient.member().id();
        PendingJoin pending = state == null ? null : state.joining.get(id);
        if (pending != null) {
            pending.then(() -> leave(rooms, recipient, room, ref, answer, reason));
            return;
        }
        if (state == null || !state.members.containsKey(id)) {
            if (answer && reason == null) {
                recipient.deliver(replies.frame(new ServerFrame.Error(ErrorCode.NOT_JOINED, "not in room " + room, ref)));
            }
            return;
        }
        state.members.remove(id);
        recipient.leftRoom(room);
        dropIfUnused(rooms, room, state);
        leavePresence(room, recipient.member(), true);
        if (answer) {
            recipient.deliver(replies.frame(new ServerFrame.Left(room, reason, ref)));
        }
    }

    /** Removes the member from the room's presence; if {@code announce}, tells the room. */
    void leavePresence(String room, Member member, boolean announce) {
        presence.leave(room, member).whenComplete((left, error) -> {
            if (error != null) {
                log.debug("Removing the presence of {} in {} failed: {}", member.id(), room, error.toString());
            } else if (announce) {
                announcer.left(room, List.of(member), left);
            }
        });
    }

    /** Forgets a room with no local member and no join in flight, and stops listening to it. */
    void dropIfUnused(Map<String, Room> rooms, String name, Room room) {
        if (room.isUnused() && rooms.remove(name, room)) {
            metrics.rooms.decrementAndGet();
            broker.unsubscribe(name);
        }
    }
}
