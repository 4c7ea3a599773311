package io.switchboard.room;

import io.switchboard.broker.Broker;
import io.switchboard.broker.BrokerEventHandler;
import io.switchboard.broker.BrokerFullException;
import io.switchboard.broker.HistoryPage;
import io.switchboard.broker.NoSuchRoomException;
import io.switchboard.config.LifecyclePhases;
import io.switchboard.presence.Presence;
import io.switchboard.presence.Roster;
import io.switchboard.protocol.ChatMessage;
import io.switchboard.protocol.ClientFrame;
import io.switchboard.protocol.EncodedFrame;
import io.switchboard.protocol.ErrorCode;
import io.switchboard.protocol.FrameCodec;
import io.switchboard.protocol.Member;
import io.switchboard.protocol.ServerFrame;
import io.switchboard.protocol.StoredMessage;
import io.switchboard.room.Room.Membership;
import io.switchboard.room.Room.Publication;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

/**
 * This node's rooms: which local connections are in which room, and delivery to them.
 *
 * <p>Every room is owned by one of a few single-threaded lanes (by hash of its name), and all of a
 * room's state changes run there in arrival order: joins, leaves, publications, catch-up. That
 * gives each room a single writer without locks, and keeps the broker's I/O thread free: it only
 * enqueues.
 *
 * <p>Per room the node keeps the epoch and the last offset delivered. A publication at the next
 * offset is delivered; an older one is dropped (already delivered); a newer one means pub/sub lost
 * something, and the gap is read from the log first. A publication of another epoch means the log
 * was lost: members are told ({@code epoch_changed}) and delivery restarts at the new epoch's
 * first offset.
 *
 * <p>A join never makes its lane wait for Redis, so the room's messages keep flowing to its
 * members while joins are in flight. The lane registers the join and issues its reads; the first
 * local member subscribes the node first (one round trip), then every joiner issues its reads
 * together (one round trip): the room's position with the page of the log after the joiner's
 * {@code since} ({@link Broker#since}), and presence (add the joiner, list the members). When they
 * answer, the lane completes the join: the joiner is added, answered {@code joined}, and sent what
 * it missed up to the room's last offset, from the page and from what the lane delivered meanwhile
 * (see {@link PendingJoin#replay}), so it sees no gap and no duplicate. Publications that reach a
 * room new on this node before its position is known wait for it. A join whose connection closed
 * in the meantime is undone; a failed one answers {@code error broker_unavailable} and leaves
 * nothing behind. Gap repair and catch-up after a resubscription still wait for Redis on the lane:
 * they are rare, and they must finish before later offsets are delivered anyway.
 *
 * <p>Each message is encoded once per node and the same {@link EncodedFrame} handed to every member.
 */
public final class Rooms implements BrokerEventHandler, SmartLifecycle, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Rooms.class);
    /** How long a join, a gap repair or a catch-up waits for Redis before it fails. */
    private static final long BROKER_WAIT_SECONDS = 10;
    /** How every encoded {@code typing} frame starts (Jackson writes the type property first). */
    private static final String TYPING_PREFIX = "{\"type\":\"typing\"";

    /** How often a failed catch-up is tried, a second apart, before it is given up (see catchUp). */
    private static final int CATCH_UP_ATTEMPTS = 30;

    /** How long a stopping node lets its lanes finish what is queued (the leaves of closed connections). */
    private static final Duration STOP_WAIT = Duration.ofSeconds(5);
    /**
     * Joins reading from Redis at once, per node. Enough to keep Redis busy (each join's reads are
     * one round trip); few enough that a burst of thousands never waits in Redis past the command
     * timeout.
     */
    private static final int MAX_JOINS_IN_FLIGHT = 64;

    private final Broker broker;
    private final Presence presence;
    /** Rooms with more members get their member count, not a {@code presence} frame per join and leave. */
    private final int presenceListLimit;
    private final MemberCounts memberCounts;
    private final FrameCodec codec;
    private final int maxReplay;
    private final Lane[] lanes;
    private final AtomicInteger roomCount = new AtomicInteger();
    private final JoinGate joinGate = new JoinGate(MAX_JOINS_IN_FLIGHT);
    private final Counter joined;
    private final Counter joinsFailed;
    private final Counter published;
    private final Counter delivered;
    private final Counter gaps;
    private final Counter refusedJoins;
    private final Counter refusedPublications;
    private final Counter refusedTyping;
    private final Timer fanOutLatency;
    private volatile boolean running;

    public Rooms(Broker broker, Presence presence, FrameCodec codec, int maxReplay, int laneCount, int laneCapacity,
                 int presenceListLimit, Duration countInterval, MeterRegistry meters) {
        this.broker = broker;
        this.presence = presence;
        this.presenceListLimit = presenceListLimit;
        this.memberCounts = new MemberCounts(presence, broker, codec, countInterval);
        this.codec = codec;
        this.maxReplay = maxReplay;
        Gauge.builder("switchboard.rooms", roomCount, AtomicInteger::get)
                .description("rooms with a local member or a join in flight").register(meters);
        this.joined = Counter.builder("switchboard.joins").tag("result", "ok").description("joins answered")
                .register(meters);
        this.joinsFailed = Counter.builder("switchboard.joins").tag("result", "error").description("joins answered")
                .register(meters);
        this.published = Counter.builder("switchboard.messages.published")
                .description("messages stored through this node (duplicates excluded)").register(meters);
        this.delivered = Counter.builder("switchboard.messages.delivered")
                .description("message frames queued to local members").register(meters);
        this.refusedJoins = refused("join", meters);
        this.refusedPublications = refused("publication", meters);
        this.refusedTyping = refused("typing", meters);
        this.gaps = Counter.builder("switchboard.gaps")
                .description("gaps in a room's offsets that could not be repaired from the log (members were told)")
                .register(meters);
        this.fanOutLatency = Timer.builder("switchboard.fanout.latency")
                .description("from a message's acceptance on one node to its hand-off to this node's members")
                .publishPercentileHistogram().register(meters);
        this.lanes = new Lane[laneCount];
        for (int i = 0; i < laneCount; i++) {
            lanes[i] = new Lane(Executors.newSingleThreadExecutor(
                    Thread.ofPlatform().name("room-lane-" + i).daemon().factory()), laneCapacity);
        }
        broker.setHandler(this);
    }

    private static Counter refused(String work, MeterRegistry meters) {
        return Counter.builder("switchboard.lane.refused").tag("work", work)
                .description("room work refused because its lane was full (joins answered overloaded, "
                        + "publications caught up from the log, typing dropped)").register(meters);
    }

    /** Adds the recipient to the room, answers {@code joined}, then replays what it missed since {@code since}. */
    public void join(Recipient recipient, ClientFrame.Join join) {
        if (!lane(join.room()).offer(rooms -> startJoin(rooms, recipient, join))) {
            refusedJoins.increment();
            recipient.joinEnded(join.room());
            recipient.deliver(frame(new ServerFrame.Error(ErrorCode.OVERLOADED,
                    "this node is too busy to take the join now; retry", join.ref())));
        }
    }

    /** Removes the recipient from the room and answers {@code left} (or {@code error not_joined}). */
    public void leave(Recipient recipient, String room, String ref) {
        leave(recipient, room, ref, true);
    }

    /** Removes a closed connection from all its rooms, without answering. */
    public void leaveAll(Recipient recipient, Iterable<String> rooms) {
        for (String room : rooms) {
            leave(recipient, room, null, false);
        }
    }

    /**
     * Takes the recipient out of a room it may no longer be in (once a join in flight completed),
     * telling it {@code left {room, reason}} unasked; nothing if it is not in the room by then.
     */
    public void remove(Recipient recipient, String room, String reason) {
        lane(room).run(rooms -> leaveNow(rooms, recipient, room, null, true, reason));
    }

    private void leave(Recipient recipient, String room, String ref, boolean answer) {
        lane(room).run(rooms -> leaveNow(rooms, recipient, room, ref, answer, null));
    }

    /**
     * Stores and relays a message; answers {@code ack} with its position once stored (also for a
     * retry of a stored clientMsgId, marked duplicate), or {@code error broker_unavailable}. The
     * message itself reaches every member, the sender included, through the room.
     */
    public void send(Recipient recipient, ClientFrame.Send send) {
        Member from = recipient.member();
        String body = codec.encodeBody(new ChatMessage(UUID.randomUUID().toString(), from.id(), from.name(),
                from.user(), send.text(), System.currentTimeMillis(), send.clientMsgId()));
        broker.publish(send.room(), from.dedupeScope() + "/" + send.clientMsgId(), body).whenComplete((stored, error) -> {
            if (error != null) {
                log.debug("Publish to {} failed: {}", send.room(), error.toString());
                recipient.deliver(frame(unavailable(send.ref(), error)));
                return;
            }
            if (!stored.duplicate()) {
                published.increment();
            }
            recipient.deliver(frame(new ServerFrame.Ack(send.room(), send.clientMsgId(), stored.epoch(),
                    stored.offset(), stored.duplicate(), send.ref())));
        });
    }

    /** Relays a {@code typing} frame to the room (not stored). */
    public void typing(Recipient recipient, String room) {
        broker.publishEvent(room, codec.encode(new ServerFrame.Typing(room, recipient.member())));
    }

    /** Answers a {@code history} request with one page, oldest first. */
    public void history(Recipient recipient, ClientFrame.History request) {
        long before = request.before() == null ? 0 : request.before();
        broker.before(request.room(), before, request.limit()).whenComplete((page, error) -> {
            if (error != null) {
                recipient.deliver(frame(unavailable(request.ref(), error)));
                return;
            }
            List<StoredMessage> messages = page.messages();
            boolean hasMore = !messages.isEmpty() && messages.getFirst().offset() > page.firstOffset();
            recipient.deliver(EncodedFrame.of(
                    codec.history(request.room(), page.epoch(), messages, hasMore, request.ref())));
        });
    }

    @Override
    public void onPublication(String room, String epoch, StoredMessage message) {
        Lane lane = lane(room);
        boolean queued = lane.offer(rooms -> {
            Room state = rooms.get(room);
            if (state == null) {
                return;
            }
            if (state.positionKnown()) {
                deliver(room, state, epoch, message);
            } else {
                state.hold(epoch, message);
            }
        });
        if (!queued) {
            // The lane is full: the message is in the log, and one catch-up per room reads it from
            // there once the lane gets to it. Memory stays one entry per room, not one per message.
            refusedPublications.increment();
            if (lane.behind.add(room)) {
                lane.run(rooms -> {
                    lane.behind.remove(room);
                    Room state = rooms.get(room);
                    if (state != null && state.positionKnown()) {
                        catchUp(room, state);
                    } else if (state != null) {
                        lane.behind.add(room); // its join in flight catches up once the position is known
                    }
                });
            }
        }
    }

    @Override
    public void onEvent(String room, String frame) {
        EncodedFrame message = EncodedFrame.of(frame);
        Consumer<Map<String, Room>> relay = rooms -> {
            Room state = rooms.get(room);
            if (state != null) {
                state.members.values().forEach(member -> member.recipient.deliver(message));
            }
        };
        // Typing is best effort and may be dropped when the lane is full; presence is not (a member
        // list would stay wrong), and its volume is bounded by joins and leaves.
        if (frame.startsWith(TYPING_PREFIX)) {
            if (!lane(room).offer(relay)) {
                refusedTyping.increment();
            }
        } else {
            lane(room).run(relay);
        }
    }

    /**
     * Catches up a room whose position is known. While it is not (a room new on this node), the
     * report is of the subscription its first join waits for, and that join reads the position
     * after it; should the subscription drop and come back in the one round trip before the
     * position is known, the next publication finds the gap and repairs it.
     */
    @Override
    public void onSubscribed(String room) {
        lane(room).run(rooms -> {
            Room state = rooms.get(room);
            if (state != null && state.positionKnown()) {
                catchUp(room, state);
            }
        });
    }

    @Override
    public void close() {
        memberCounts.close();
        for (Lane lane : lanes) {
            lane.executor.shutdownNow();
        }
    }

    @Override
    public void start() {
        running = true;
    }

    /** After the web server has closed every connection: lets the lanes finish the queued leaves. */
    @Override
    public void stop() {
        running = false;
        long deadline = System.nanoTime() + STOP_WAIT.toNanos();
        for (Lane lane : lanes) {
            lane.executor.shutdown();
        }
        try {
            for (Lane lane : lanes) {
                lane.executor.awaitTermination(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    @Override
    public int getPhase() {
        return LifecyclePhases.ROOMS;
    }

    /**
     * Registers a join and issues its reads; runs on the room's lane and returns at once. A member
     * with a join in flight for the room has this one wait for it.
     */
    private void startJoin(Map<String, Room> rooms, Recipient recipient, ClientFrame.Join join) {
        String name = join.room();
        Member member = recipient.member();
        Room room = rooms.get(name);
        // a room with members here exists: joining it creates nothing, whatever the joiner's budget
        boolean held = room != null && !room.members.isEmpty();
        if (room == null) {
            room = new Room(broker.subscribe(name), maxReplay);
            rooms.put(name, room);
            roomCount.incrementAndGet();
        }
        PendingJoin earlier = room.joining.get(member.id());
        if (earlier != null) {
            earlier.then(() -> startJoin(rooms, recipient, join));
            return;
        }
        PendingJoin pending = new PendingJoin(recipient, join, room.members.containsKey(member.id()));
        room.joinStarted(member.id(), pending);
        CompletableFuture<Reads> reads;
        if (pending.already) {
            reads = joinGate.submit(() -> presence.members(name)).thenApply(roster -> new Reads(null, roster));
        } else {
            long after = pending.firstReadAfter(room, maxReplay);
            int limit = join.since() == null ? 0 : maxReplay;
            pending.reading(after, limit);
            // Issued together once the subscription is active: one round trip. At most
            // MAX_JOINS_IN_FLIGHT joins read at once: a burst queues in the gate, not in Redis.
            CompletableFuture<Void> subscribed = room.subscribed;
            boolean create = held || recipient.newRoomWait() == 0;
            reads = joinGate.submit(() -> subscribed.thenCompose(active -> broker.open(name, after, limit, create)
                    .thenCombine(presence.join(name, member), Reads::new)));
        }
        Room state = room;
        reads.orTimeout(BROKER_WAIT_SECONDS, TimeUnit.SECONDS).whenComplete((answer, error) -> lane(name).run(
                owned -> completeJoin(owned, name, state, pending, answer, error)));
    }

    /** The join's reads answered: runs on the room's lane. */
    private void completeJoin(Map<String, Room> rooms, String name, Room room, PendingJoin pending, Reads reads,
                              Throwable error) {
        if (error != null) {
            failJoin(rooms, name, room, pending, error);
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
                deliver(name, room, early.epoch(), early.message());
            }
            if (lane(name).behind.remove(name)) {
                catchUp(name, room); // publications were refused while the position was not known
            }
        }
        answerJoin(rooms, name, room, pending, reads.page());
    }

    /**
     * Adds the joiner and answers it, or reads its page again when the page does not reach the
     * room's position (see {@link PendingJoin#replay}): once at most, so a join always completes.
     */
    private void answerJoin(Map<String, Room> rooms, String name, Room room, PendingJoin pending, HistoryPage page) {
        Recipient recipient = pending.recipient;
        Member member = recipient.member();
        ClientFrame.Join request = pending.request;
        if (pending.already) {
            room.joinEnded(member.id());
            recipient.deliver(frame(new ServerFrame.Joined(name, room.epoch, room.lastOffset, pending.roster.members(),
                    pending.roster.count(), null, null, request.ref())));
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
            leavePresence(name, member, false);
            dropIfUnused(rooms, name, room);
            pending.completed();
            return;
        }
        Roster roster = pending.roster;
        recipient.deliver(frame(new ServerFrame.Joined(name, room.epoch, room.lastOffset, roster.members(),
                roster.count(), replay.recovered(), replay.epochChanged(), request.ref())));
        joined.increment();
        for (StoredMessage message : replay.messages()) {
            recipient.deliver(EncodedFrame.of(codec.message(name, room.epoch, message)));
        }
        if (roster.count() <= presenceListLimit) {
            broker.publishEvent(name, codec.encode(new ServerFrame.Presence(name, "join", member)))
                    .whenComplete(ifFailed("relaying the presence join", member, name));
        } else {
            memberCounts.changed(name);
        }
        pending.completed();
    }

    /** Reads the joiner's page again, from what it needs at the room's position now. */
    private void reread(String name, Room room, PendingJoin pending) {
        long after = pending.neededAfter(room, maxReplay);
        pending.rereading(after, maxReplay);
        broker.since(name, after, maxReplay).orTimeout(BROKER_WAIT_SECONDS, TimeUnit.SECONDS)
                .whenComplete((page, error) -> lane(name).run(rooms -> {
                    if (error != null) {
                        failJoin(rooms, name, room, pending, error);
                    } else {
                        answerJoin(rooms, name, room, pending, page);
                    }
                }));
    }

    /** Answers {@code error broker_unavailable} and takes back what the join did. */
    private void failJoin(Map<String, Room> rooms, String name, Room room, PendingJoin pending, Throwable error) {
        Member member = pending.recipient.member();
        log.debug("Join of {} to {} failed: {}", member.id(), name, error.toString());
        room.joinEnded(member.id());
        if (!pending.already) {
            leavePresence(name, member, false);
        }
        dropIfUnused(rooms, name, room);
        pending.recipient.deliver(frame(cause(error) instanceof NoSuchRoomException
                ? new ServerFrame.Error(ErrorCode.RATE_LIMITED, "room " + name
                        + " does not exist yet, and you create new rooms too fast; slow down",
                        Math.max(1, pending.recipient.newRoomWait()), pending.request.ref())
                : unavailable(pending.request.ref(), error)));
        joinsFailed.increment();
        pending.completed();
    }

    private void leaveNow(Map<String, Room> rooms, Recipient recipient, String room, String ref, boolean answer,
                          String reason) {
        Room state = rooms.get(room);
        String id = recipient.member().id();
        PendingJoin pending = state == null ? null : state.joining.get(id);
        if (pending != null) {
            pending.then(() -> leaveNow(rooms, recipient, room, ref, answer, reason));
            return;
        }
        if (state == null || !state.members.containsKey(id)) {
            if (answer && reason == null) {
                recipient.deliver(frame(new ServerFrame.Error(ErrorCode.NOT_JOINED, "not in room " + room, ref)));
            }
            return;
        }
        Member member = recipient.member();
        state.members.remove(id);
        recipient.leftRoom(room);
        dropIfUnused(rooms, room, state);
        leavePresence(room, member, true);
        if (answer) {
            recipient.deliver(frame(new ServerFrame.Left(room, reason, ref)));
        }
    }

    /**
     * Removes the member from the room's presence; if {@code announce}, then tells the room: a
     * {@code presence leave} while the room (the member included) is no larger than the list
     * limit, its member count otherwise.
     */
    private void leavePresence(String room, Member member, boolean announce) {
        presence.leave(room, member).whenComplete((left, error) -> {
            if (error != null) {
                ifFailed("removing the presence", member, room).accept(null, error);
            } else if (announce && left + 1 <= presenceListLimit) {
                broker.publishEvent(room, codec.encode(new ServerFrame.Presence(room, "leave", member)))
                        .whenComplete(ifFailed("relaying the presence leave", member, room));
            } else if (announce) {
                memberCounts.changed(room);
            }
        });
    }

    /** Forgets a room with no local member and no join in flight, and stops listening to it. */
    private void dropIfUnused(Map<String, Room> rooms, String name, Room room) {
        if (room.isUnused() && rooms.remove(name, room)) {
            roomCount.decrementAndGet();
            broker.unsubscribe(name);
        }
    }

    /** A completion callback for a best-effort call: a failure is only logged. */
    private static BiConsumer<Object, Throwable> ifFailed(String what, Member member, String room) {
        return (result, error) -> {
            if (error != null) {
                log.debug("{} of {} in {} failed: {}", what, member.id(), room, error.toString());
            }
        };
    }

    /**
     * Delivers one publication in order, repairing a gap from the log first. Runs on the room's lane.
     * A publication of another epoch is the first of a new one (the log was lost or went back) or a
     * late one of an epoch the room has left (published before a rollback was fenced, delivered
     * after): only Redis knows which, so the room is caught up from its log, which delivers the
     * message if it belongs to the room's epoch now. Taking the publication's epoch instead would
     * flip a room back to the epoch it left, and replay its log to every member twice.
     */
    private void deliver(String room, Room state, String epoch, StoredMessage message) {
        if (!epoch.equals(state.epoch)) {
            catchUp(room, state);
            return;
        }
        if (message.offset() <= state.lastOffset) {
            return;
        }
        if (message.offset() > state.lastOffset + 1) {
            if (state.catchingUp) { // the catch-up under way delivers it from the log
                state.heldUpTo = Math.max(state.heldUpTo, message.offset());
                return;
            }
            try {
                repair(room, state, message.offset() - 1);
            } catch (RuntimeException e) {
                // The log cannot be read now (Redis changing hands): not a gap. The message is in the
                // log too; a catch-up, tried again until Redis answers, delivers it and what it follows.
                log.info("Could not read room {} after offset {} to repair a gap ({}); catching up from the log",
                        room, state.lastOffset, e.getMessage());
                state.heldUpTo = Math.max(state.heldUpTo, message.offset());
                catchUp(room, state);
                return;
            }
            if (!epoch.equals(state.epoch) || message.offset() <= state.lastOffset) {
                return;
            }
        }
        fanOut(room, state, message);
    }

    /**
     * Reads the offsets after the last delivered one up to {@code upTo} from the log, page by page,
     * and delivers them. What the log no longer holds (trimmed, expired, rolled back) is reported to
     * the members as a {@code gap} and skipped: nobody is left with a hole they were not told of. A
     * read that fails is no such proof: it throws, delivering nothing past what was read, and the
     * caller tries again later (see {@link #catchUp}).
     */
    private void repair(String room, Room state, long upTo) {
        while (state.lastOffset < upTo) {
            int limit = (int) Math.min(maxReplay, upTo - state.lastOffset);
            HistoryPage page = await(broker.since(room, state.lastOffset, limit));
            if (!page.epoch().equals(state.epoch)) {
                changeEpoch(room, state, page.epoch());
                upTo = page.offset();
                continue;
            }
            long before = state.lastOffset;
            for (StoredMessage missed : page.messages()) {
                if (missed.offset() > state.lastOffset && missed.offset() <= upTo) {
                    if (missed.offset() > state.lastOffset + 1) {
                        reportGap(room, state, missed.offset() - 1); // trimmed from the log
                    }
                    fanOut(room, state, missed);
                }
            }
            if (state.lastOffset == before) {
                break; // the rest is no longer in the log
            }
        }
        if (state.lastOffset < upTo) {
            reportGap(room, state, upTo);
        }
    }

    /** Tells the members that the offsets after the last delivered one up to {@code to} will not come, and skips them. */
    private void reportGap(String room, Room state, long to) {
        long from = state.lastOffset + 1;
        log.warn("Room {} skips offsets {}-{} of epoch {}: not in the log or not readable now", room, from, to, state.epoch);
        EncodedFrame notice = frame(new ServerFrame.Gap(room, state.epoch, from, to));
        for (Membership member : state.members.values()) {
            if (to > member.floor) {
                member.recipient.deliver(notice);
            }
        }
        state.skipped(to);
        gaps.increment();
    }

    /**
     * Delivers whatever the log holds past the last delivered offset (after a resubscription, a
     * publication of another epoch, a gap that could not be read); one at a time per room: while
     * one is under way, the gaps that arrive wait for it.
     */
    private void catchUp(String room, Room state) {
        if (!state.catchingUp) {
            state.catchingUp = true;
            catchUp(room, state, 1);
        }
    }

    /**
     * One attempt at a catch-up. A Redis that has just come back may still answer {@code LOADING}
     * (or a promoted replica {@code READONLY}), or not answer, for a moment: a failed attempt is
     * tried again, a second later, up to {@link #CATCH_UP_ATTEMPTS} times, so neither a rollback nor
     * a message is missed for it, and no gap is told for it. It delivers up to the room's position,
     * and up to the highest publication that arrived (and waited) meanwhile.
     */
    private void catchUp(String room, Room state, int attempt) {
        try {
            HistoryPage position = await(broker.since(room, 0, 0));
            // stored, not the position readers see: with ack-replicas a failover may lose the
            // confirmation of a message without losing the message, which is no rollback
            if (position.epoch().equals(state.epoch) && position.stored() < state.lastOffset) {
                // Redis came back with less than this node delivered (an older snapshot, a replica
                // promoted before it had everything): new messages would reuse offsets members hold.
                log.warn("Room {} went back from offset {} to {} in epoch {}; moving it to a new epoch",
                        room, state.lastOffset, position.offset(), state.epoch);
                await(broker.fence(room, state.epoch, state.lastOffset));
                position = await(broker.since(room, 0, 0));
            }
            if (!position.epoch().equals(state.epoch)) {
                changeEpoch(room, state, position.epoch());
            }
            repair(room, state, Math.max(position.offset(), state.heldUpTo));
            state.catchingUp = false;
            state.heldUpTo = 0;
        } catch (RuntimeException e) {
            if (attempt >= CATCH_UP_ATTEMPTS) {
                log.warn("Could not catch up room {}: {}", room, e.getMessage());
                state.catchingUp = false; // the next publication past a gap tries again
                return;
            }
            log.debug("Catching up room {} failed ({}); trying again", room, e.getMessage());
            CompletableFuture.delayedExecutor(1, TimeUnit.SECONDS).execute(() -> lane(room).run(rooms -> {
                if (rooms.get(room) == state && state.positionKnown()) {
                    catchUp(room, state, attempt + 1);
                } else {
                    state.catchingUp = false;
                }
            }));
        }
    }

    private void changeEpoch(String room, Room state, String epoch) {
        log.info("Room {} changed epoch {} -> {} (its log was lost)", room, state.epoch, epoch);
        EncodedFrame notice = frame(new ServerFrame.EpochChanged(room, epoch, state.epoch));
        for (Membership member : state.members.values()) {
            member.recipient.deliver(notice);
            member.floor = 0;
        }
        state.changeEpoch(epoch);
    }

    private void fanOut(String room, Room state, StoredMessage message) {
        EncodedFrame frame = EncodedFrame.of(codec.message(room, state.epoch, message));
        int recipients = 0;
        for (Membership member : state.members.values()) {
            if (message.offset() > member.floor) {
                member.recipient.deliver(frame);
                recipients++;
            }
        }
        state.delivered(message);
        delivered.increment(recipients);
        long acceptedAt = codec.acceptedAt(message.body());
        if (acceptedAt > 0) {
            fanOutLatency.record(Math.max(0, System.currentTimeMillis() - acceptedAt), TimeUnit.MILLISECONDS);
        }
    }

    private EncodedFrame frame(ServerFrame frame) {
        return EncodedFrame.of(codec.encode(frame));
    }

    /** {@code broker_unavailable}: why, when the broker is full; else that it cannot be reached. */
    private static ServerFrame.Error unavailable(String ref, Throwable error) {
        Throwable cause = cause(error);
        String why = cause instanceof BrokerFullException ? cause.getMessage() : "the message broker is unavailable; retry";
        return new ServerFrame.Error(ErrorCode.BROKER_UNAVAILABLE, why, ref);
    }

    private static Throwable cause(Throwable error) {
        return error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
    }

    private static <T> T await(Future<T> future) {
        try {
            return future.get(BROKER_WAIT_SECONDS, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
        } catch (TimeoutException e) {
            future.cancel(true);
            throw new IllegalStateException("broker did not answer in " + BROKER_WAIT_SECONDS + "s", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private Lane lane(String room) {
        return lanes[Math.floorMod(room.hashCode(), lanes.length)];
    }

    /** What a join reads: the page of the log ({@code null} for a member already in the room) and the members. */
    private record Reads(HistoryPage page, Roster roster) {}

    /**
     * A single thread and the rooms it owns. Work that may be refused (joins, publications, typing)
     * is bounded: at most {@code capacity} such tasks wait, and {@link #offer} answers false beyond
     * that. Work that must run (leaves, join completions, catch-ups, presence) is not refused; it is
     * bounded by the connections and joins themselves.
     */
    private static final class Lane {
        final ExecutorService executor;
        final Map<String, Room> rooms = new HashMap<>();
        /** Rooms with a catch-up queued because a publication was refused; any thread adds, the lane removes. */
        final Set<String> behind = ConcurrentHashMap.newKeySet();
        private final AtomicInteger waiting = new AtomicInteger();
        private final int capacity;

        Lane(ExecutorService executor, int capacity) {
            this.executor = executor;
            this.capacity = capacity;
        }

        /** Queues work that must run. */
        void run(Consumer<Map<String, Room>> task) {
            try {
                executor.execute(() -> {
                    try {
                        task.accept(rooms);
                    } catch (RuntimeException e) {
                        log.error("Room task failed", e);
                    }
                });
            } catch (RejectedExecutionException e) {
                log.debug("Room lane stopped; dropping a task");
            }
        }

        /** Queues work that may be refused; false (and nothing queued) when {@code capacity} such tasks wait. */
        boolean offer(Consumer<Map<String, Room>> task) {
            if (waiting.incrementAndGet() > capacity) {
                waiting.decrementAndGet();
                return false;
            }
            run(owned -> {
                waiting.decrementAndGet();
                task.accept(owned);
            });
            return true;
        }
    }
}
