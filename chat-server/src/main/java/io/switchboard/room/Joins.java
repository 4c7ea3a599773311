package io.switchboard.room;

import io.switchboard.broker.Broker;
import io.switchboard.broker.HistoryPage;
import io.switchboard.broker.NoSuchRoomException;
import io.switchboard.presence.Announcer;
import io.switchboard.presence.Presence;
import io.switchboard.presence.Presence.Opened;
import io.switchboard.presence.Roster;
import io.switchboard.protocol.ClientFrame;
import io.switchboard.protocol.EncodedFrame;
import io.switchboard.protocol.ErrorCode;
import io.switchboard.protocol.FrameCodec;
import io.switchboard.protocol.Member;
import io.switchboard.protocol.ServerFrame;
import io.switchboard.protocol.StoredMessage;
import io.switchboard.room.Room.Membership;
import io.switchboard.room.Room.Publication;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The join protocol. A join never makes its lane wait for Redis, so the room's messages keep
 * flowing to its members while joins are in flight. The lane registers the join and issues its
 * reads; the first local member subscribes the node first (one round trip), then every joiner
 * issues its reads together (one round trip, one script on Redis: {@link Presence#open}): the room's
 * position with the page of the log after the joiner's {@code since} ({@link Broker#open}), and
 * presence (add the joiner, list the members).
 * When they answer, the lane completes the join: the joiner is added, answered {@code joined}, and
 * sent what it missed up to the room's last offset, from the page and from what the lane delivered
 * meanwhile (see {@link PendingJoin#replay}), so it sees no gap and no duplicate. Publications that
 * reach a room new on this node before its position is known wait for it. A join whose connection
 * closed in the meantime is undone; a failed one answers {@code error broker_unavailable} (or
 * {@code rate_limited} for a room the joiner may not create now) and leaves nothing behind.
 */
final class Joins {

    private static final Logger log = LoggerFactory.getLogger(Joins.class);
    /**
     * Joins reading from Redis at once, per node. Enough to keep Redis busy (each join's reads are
     * one round trip); few enough that a burst of thousands never waits in Redis past the command
     * timeout.
     */
    static final int MAX_IN_FLIGHT = 64;

    private final Broker broker;
    private final Presence presence;
    private final Announcer announcer;
    private final FrameCodec codec;
    private final Lanes lanes;
    private final Delivery delivery;
    private final Leaves leaves;
    private final Replies replies;
    private final RoomMetrics metrics;
    private final int maxReplay;
    private final JoinGate gate = new JoinGate(MAX_IN_FLIGHT);

    Joins(Broker broker, Presence presence, Announcer announcer, FrameCodec codec, Lanes lanes, Delivery delivery,
          Leaves leaves, Replies replies, RoomMetrics metrics, int maxReplay) {
        this.broker = broker;
        this.presence = presence;
        this.announcer = announcer;
        this.codec = codec;
        this.lanes = lanes;
        this.delivery = delivery;
        this.leaves = leaves;
        this.replies = replies;
        this.metrics = metrics;
        this.maxReplay = maxReplay;
    }

    /**
     * Registers a join and issues its reads; runs on the room's lane and returns at once. A member
     * with a join in flight for the room has this one wait for it.
     */
    void start(Map<String, Room> rooms, Recipient recipient, ClientFrame.Join join) {
        String name = join.room();
        Member member = recipient.member();
        Room room = rooms.get(name);
        // a room with members here exists: joining it creates nothing, whatever the joiner's budget
        boolean held = room != null && !room.members.isEmpty();
        if (room == null) {
            room = new Room(broker.subscribe(name), maxReplay);
            rooms.put(name, room);
            metrics.rooms.incrementAndGet();
        }
        PendingJoin earlier = room.joining.get(member.id());
        if (earlier != null) {
            earlier.then(() -> start(rooms, recipient, join));
            return;
        }
        PendingJoin pending = new PendingJoin(recipient, join, room.members.containsKey(member.id()));
        room.joinStarted(member.id(), pending);
        CompletableFuture<Opened> reads;
        if (pending.already) {
            reads = gate.submit(() -> presence.members(name)).thenApply(roster -> new Opened(null, roster));
        } else {
            long after = pending.firstReadAfter(room, maxReplay);
            int limit = join.since() == null ? 0 : maxReplay;
            pending.reading(after, limit);
            // Issued together once the subscription is active: one round trip. At most
            // MAX_IN_FLIGHT joins read at once: a burst queues in the gate, not in Redis.
            CompletableFuture<Void> subscribed = room.subscribed;
            boolean create = held || recipient.newRoomWait() == 0;
            reads = gate.submit(() -> subscribed.thenCompose(active -> presence.open(broker, name, member, after, limit,
                    create)));
        }
        Room state = room;
        reads.orTimeout(Delivery.READ_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS).whenComplete((answer, error) ->
                lanes.of(name).run(owned -> complete(owned, name, state, pending, answer, error)));
    }

    /** The join's reads answered: runs on the room's lane. */
    private void complete(Map<String, Room> rooms, String name, Room room, PendingJoin pending, Opened reads,
                          Throwable error) {
        if (error != null) {
            fail(rooms, name, room, pending, error);
            return;
        }
        pending.roster = reads.roster();
        if (reads.page() != null && reads.page().created()) {
            pending.recipient.createdRoom();
        }
        if (!room.positionKnown()) {
            // The page was read after the subscription became active: what was published since
            // arrived here and waited; what is at or below the page's offset is dropped by deliver.
            HistoryPage page = reads.page();
            for (Publication early : room.position(page.epoch(), page.offset())) {
                delivery.deliver(name, room, early.epoch(), early.message());
            }
            if (lanes.of(name).behind.remove(name)) {
                delivery.catchUp(name, room); // publications were refused while the position was not known
            }
        }
        answer(rooms, name, room, pending, reads.page());
    }

    /**
     * Adds the joiner and answers it, or reads its page again when the page does not reach the
     * room's position (see {@link PendingJoin#replay}): once at most, so a join always completes.
     */
    private void answer(Map<String, Room> rooms, String name, Room room, PendingJoin pending, HistoryPage page) {
        Recipient recipient = pending.recipient;
        Member member = recipient.member();
        ClientFrame.Join request = pending.request;
        Roster roster = pending.roster;
        if (pending.already) {
            room.joinEnded(member.id());
            recipient.deliver(replies.frame(new ServerFrame.Joined(name, room.epoch, room.lastOffset, roster.onTheWire(),
                    roster.count(), null, null, request.ref())));
            pending.completed();
            return;
        }
        PendingJoin.Replay replay = pending.replay(room, page, maxReplay);
        if (replay == null) {
            reread(name, room, pending);
            return;
        }
        room.joinEnded(member.id());
        room.members.put(member.id(), new Membership(recipient, replay.floor()));
        recipient.joinedRoom(name);
        // Checked after joinedRoom: a connection that closes from here on finds the room among its
        // rooms and leaves it; one that closed before never will, so the join is undone here.
        if (!recipient.isOpen()) {
            log.debug("{} closed while joining {}; undoing the join", member.id(), name);
            room.members.remove(member.id());
            recipient.leftRoom(name);
            leaves.leavePresence(name, member, false);
            leaves.dropIfUnused(rooms, name, room);
            pending.completed();
            return;
        }
        recipient.deliver(replies.frame(new ServerFrame.Joined(name, room.epoch, room.lastOffset, roster.onTheWire(),
                roster.count(), replay.recovered(), replay.epochChanged(), request.ref())));
        metrics.joined.increment();
        for (StoredMessage message : replay.messages()) {
            recipient.deliver(EncodedFrame.of(codec.message(name, room.epoch, message)));
        }
        announcer.joined(name, member, roster.count());
        pending.completed();
    }

    /** Reads the joiner's page again, from what it needs at the room's position now. */
    private void reread(String name, Room room, PendingJoin pending) {
        long after = pending.neededAfter(room, maxReplay);
        pending.rereading(after, maxReplay);
        broker.since(name, after, maxReplay).orTimeout(Delivery.READ_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
                .whenComplete((page, error) -> lanes.of(name).run(rooms -> {
                    if (error != null) {
                        fail(rooms, name, room, pending, error);
                    } else {
                        answer(rooms, name, room, pending, page);
                    }
                }));
    }

    /** Answers the error and takes back what the join did. */
    private void fail(Map<String, Room> rooms, String name, Room room, PendingJoin pending, Throwable error) {
        Member member = pending.recipient.member();
        log.debug("Join of {} to {} failed: {}", member.id(), name, error.toString());
        room.joinEnded(member.id());
        if (!pending.already) {
            leaves.leavePresence(name, member, false);
        }
        leaves.dropIfUnused(rooms, name, room);
        pending.recipient.deliver(Replies.cause(error) instanceof NoSuchRoomException
                ? replies.frame(new ServerFrame.Error(ErrorCode.RATE_LIMITED, "room " + name
                        + " does not exist yet, and you create new rooms too fast; slow down",
                        Math.max(1, pending.recipient.newRoomWait()), pending.request.ref()))
                : replies.failed(pending.request.ref(), error));
        metrics.joinsFailed.increment();
        pending.completed();
    }
}
