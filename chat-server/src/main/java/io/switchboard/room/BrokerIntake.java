package io.switchboard.room;

import io.switchboard.broker.BrokerEventHandler;
import io.switchboard.presence.Announcer;
import io.switchboard.protocol.EncodedFrame;
import io.switchboard.protocol.EventKind;
import io.switchboard.protocol.StoredMessage;
import java.util.Map;
import java.util.function.Consumer;

/**
 * What the broker hands this node, onto the rooms' lanes. The broker's I/O thread only enqueues,
 * except that a publication it received itself is delivered right there when the room's lane is
 * idle (nothing queued, no thread on it) and the room is small here. When a lane is full, each kind
 * of work is treated as it can afford: a publication is in the log, so the room catches up from
 * there once the lane gets to it (one queued catch-up per room, not one entry per message); a
 * typing notice is dropped; a presence change is queued anyway (a member list would stay wrong, and
 * its volume is bounded by joins and leaves).
 */
final class BrokerIntake implements BrokerEventHandler {

    /** The most members a room may have on this node for its publications to be delivered on the broker's thread. */
    static final int IN_PLACE_MEMBERS = 64;

    private final Lanes lanes;
    private final Delivery delivery;
    private final RoomMetrics metrics;
    private final Announcer announcer;

    BrokerIntake(Lanes lanes, Delivery delivery, RoomMetrics metrics, Announcer announcer) {
        this.announcer = announcer;
        this.lanes = lanes;
        this.delivery = delivery;
        this.metrics = metrics;
    }

    @Override
    public void onPublication(String room, String epoch, StoredMessage message) {
        publication(room, epoch, message, false);
    }

    /**
     * Delivered on the broker's I/O thread when the room's lane is idle and the room has at most
     * {@link #IN_PLACE_MEMBERS} members here: no wake-up of the lane's thread. A larger room's
     * fan-out would hold up every other answer and publication of that Redis connection meanwhile.
     */
    @Override
    public void onPublicationReceived(String room, String epoch, StoredMessage message) {
        publication(room, epoch, message, true);
    }

    private void publication(String room, String epoch, StoredMessage message, boolean inPlace) {
        Lanes.Lane lane = lanes.of(room);
        Consumer<Map<String, Room>> task = rooms -> {
            Room state = rooms.get(room);
            if (state == null) {
                return;
            }
            if (state.positionKnown()) {
                delivery.deliver(room, state, epoch, message);
            } else {
                state.hold(epoch, message);
            }
        };
        if (!(inPlace ? lane.offerInPlace(task, rooms -> isSmall(rooms.get(room))) : lane.offer(task))) {
            metrics.refusedPublications.increment();
            if (lane.behind.add(room)) {
                lane.run(rooms -> {
                    lane.behind.remove(room);
                    Room state = rooms.get(room);
                    if (state != null && state.positionKnown()) {
                        delivery.catchUp(room, state);
                    } else if (state != null) {
                        lane.behind.add(room); // its join in flight catches up once the position is known
                    }
                });
            }
        }
    }

    private static boolean isSmall(Room state) {
        return state == null || state.members.size() <= IN_PLACE_MEMBERS;
    }

    @Override
    public void onEvent(String room, EventKind kind, String frame) {
        switch (kind) {
            case TYPING -> {
                if (!lanes.of(room).offer(relay(room, frame))) {
                    metrics.refusedTyping.increment();
                }
            }
            // the frames of a room's nodes on the same beat go to its members as one (Announcer.arrived)
            case PRESENCE -> announcer.arrived(room, frame, text -> lanes.of(room).run(relay(room, text)));
        }
    }

    /** Gives a room's frame to each of its members here. */
    private static Consumer<Map<String, Room>> relay(String room, String frame) {
        EncodedFrame event = EncodedFrame.shared(frame);
        return rooms -> {
            Room state = rooms.get(room);
            if (state != null) {
                state.members.values().forEach(member -> member.recipient.deliver(event));
            }
        };
    }

    /**
     * Catches up a room whose position is known. While it is not (a room new on this node), the
     * report is of the subscription its first join waits for, and that join reads the position
     * after it; should the subscription drop and come back in the one round trip before the
     * position is known, the next publication finds the gap and repairs it.
     */
    @Override
    public void onSubscribed(String room) {
        lanes.of(room).run(rooms -> {
            Room state = rooms.get(room);
            if (state != null && state.positionKnown()) {
                delivery.catchUp(room, state);
            }
        });
    }
}
