package io.switchboard.room;

import io.switchboard.broker.Broker;
import io.switchboard.broker.BrokerEventHandler;
import io.switchboard.broker.HistoryPage;
import io.switchboard.presence.Presence;
import io.switchboard.protocol.ChatMessage;
import io.switchboard.protocol.ClientFrame;
import io.switchboard.protocol.ErrorCode;
import io.switchboard.protocol.FrameCodec;
import io.switchboard.protocol.Member;
import io.switchboard.protocol.ServerFrame;
import io.switchboard.protocol.StoredMessage;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.web.socket.TextMessage;

/**
 * This node's rooms: which local connections are in which room, and delivery to them.
 *
 * <p>Every room is owned by one of a few single-threaded lanes (by hash of its name), and all of a
 * room's work runs there in arrival order: joins, leaves, publications, catch-up. That gives each
 * room a single writer without locks, and keeps the broker's I/O thread free: it only enqueues.
 *
 * <p>Per room the node keeps the epoch and the last offset delivered. A publication at the next
 * offset is delivered; an older one is dropped (already delivered); a newer one means pub/sub lost
 * something, and the gap is read from the log first. A publication of another epoch means the log
 * was lost: members are told ({@code epoch_changed}) and delivery restarts at the new epoch's
 * first offset. A join with {@code since} is answered from the log up to the room's last offset
 * before any later message is delivered, so the joiner sees no gap and no duplicate.
 *
 * <p>Each message is encoded once per node and the same {@link TextMessage} handed to every member.
 */
public final class Rooms implements BrokerEventHandler, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Rooms.class);
    private static final long BROKER_WAIT_SECONDS = 10;

    private final Broker broker;
    private final Presence presence;
    private final FrameCodec codec;
    private final int maxReplay;
    private final Lane[] lanes;

    public Rooms(Broker broker, Presence presence, FrameCodec codec, int maxReplay, int laneCount) {
        this.broker = broker;
        this.presence = presence;
        this.codec = codec;
        this.maxReplay = maxReplay;
        this.lanes = new Lane[laneCount];
        for (int i = 0; i < laneCount; i++) {
            lanes[i] = new Lane(Executors.newSingleThreadExecutor(
                    Thread.ofPlatform().name("room-lane-" + i).daemon().factory()));
        }
        broker.setHandler(this);
    }

    /** Adds the recipient to the room, answers {@code joined}, then replays what it missed since {@code since}. */
    public void join(Recipient recipient, ClientFrame.Join join) {
        lane(join.room()).run(rooms -> doJoin(rooms, recipient, join));
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

    private void leave(Recipient recipient, String room, String ref, boolean answer) {
        lane(room).run(rooms -> {
            Room state = rooms.get(room);
            if (state == null || !state.members.containsKey(recipient.member().id())) {
                if (answer) {
                    recipient.deliver(frame(new ServerFrame.Error(ErrorCode.NOT_JOINED.wire(), "not in room " + room, ref)));
                }
                return;
            }
            removeMember(rooms, room, state, recipient);
            if (answer) {
                recipient.deliver(frame(new ServerFrame.Left(room, ref)));
            }
        });
    }

    /**
     * Stores and relays a message; answers {@code ack} with its position once stored (also for a
     * retry of a stored clientMsgId, marked duplicate), or {@code error broker_unavailable}. The
     * message itself reaches every member, the sender included, through the room.
     */
    public void send(Recipient recipient, ClientFrame.Send send) {
        Member from = recipient.member();
        String body = codec.encodeBody(new ChatMessage(UUID.randomUUID().toString(), from.id(), from.name(),
                send.text(), System.currentTimeMillis(), send.clientMsgId()));
        broker.publish(send.room(), send.clientMsgId(), body).whenComplete((stored, error) -> recipient.deliver(
                error != null ? frame(unavailable(send.ref()))
                        : frame(new ServerFrame.Ack(send.room(), send.clientMsgId(), stored.epoch(), stored.offset(),
                                stored.duplicate(), send.ref()))));
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
                recipient.deliver(frame(unavailable(request.ref())));
                return;
            }
            List<StoredMessage> messages = page.messages();
            boolean hasMore = !messages.isEmpty() && messages.getFirst().offset() > page.firstOffset();
            recipient.deliver(new TextMessage(
                    codec.history(request.room(), page.epoch(), messages, hasMore, request.ref())));
        });
    }

    @Override
    public void onPublication(String room, String epoch, StoredMessage message) {
        lane(room).run(rooms -> {
            Room state = rooms.get(room);
            if (state != null) {
                deliver(room, state, epoch, message);
            }
        });
    }

    @Override
    public void onEvent(String room, String frame) {
        TextMessage message = new TextMessage(frame);
        lane(room).run(rooms -> {
            Room state = rooms.get(room);
            if (state != null) {
                state.members.values().forEach(member -> member.recipient.deliver(message));
            }
        });
    }

    @Override
    public void onSubscribed(String room) {
        lane(room).run(rooms -> {
            Room state = rooms.get(room);
            if (state != null && state.epoch != null) {
                catchUp(room, state);
            }
        });
    }

    @Override
    public void close() {
        for (Lane lane : lanes) {
            lane.executor.shutdownNow();
        }
    }

    private void doJoin(Map<String, Room> rooms, Recipient recipient, ClientFrame.Join join) {
        String room = join.room();
        Member member = recipient.member();
        Room state = rooms.get(room);
        try {
            if (state == null) {
                state = new Room();
                rooms.put(room, state);
                await(broker.subscribe(room));
                HistoryPage position = position(room);
                state.epoch = position.epoch();
                state.lastOffset = position.offset();
            }
            boolean already = state.members.containsKey(member.id());
            if (!already) {
                presence.add(room, member);
            }
            List<Member> members = presence.members(room);

            Boolean recovered = null;
            Boolean epochChanged = null;
            List<StoredMessage> missed = List.of();
            long floor = 0;
            if (join.since() != null) {
                long after = join.since().offset();
                epochChanged = !join.since().epoch().equals(state.epoch);
                if (epochChanged) {
                    after = 0;
                }
                // A client can be ahead of this node (it came from a node that delivered more):
                // offsets up to its own arrive here later and must not be shown to it again.
                floor = after;
                after = Math.min(after, state.lastOffset);
                recovered = true;
                if (state.lastOffset - after > maxReplay) {
                    after = state.lastOffset - maxReplay;
                    recovered = false;
                }
                if (state.lastOffset > after) {
                    HistoryPage page = await(broker.since(room, after, (int) (state.lastOffset - after)));
                    if (!page.epoch().equals(state.epoch) || page.firstOffset() > after + 1) {
                        recovered = false;
                    }
                    if (page.epoch().equals(state.epoch)) {
                        missed = page.messages();
                    }
                }
            }
            if (!already) {
                state.members.put(member.id(), new Membership(recipient, floor));
            }
            recipient.joinedRoom(room);
            recipient.deliver(frame(new ServerFrame.Joined(room, state.epoch, state.lastOffset, members,
                    recovered, epochChanged, join.ref())));
            for (StoredMessage message : missed) {
                if (message.offset() <= state.lastOffset) {
                    recipient.deliver(new TextMessage(codec.message(room, state.epoch, message)));
                }
            }
            if (!already) {
                broker.publishEvent(room, codec.encode(new ServerFrame.Presence(room, "join", member)));
            }
        } catch (RuntimeException e) {
            log.debug("Join of {} to {} failed: {}", member.id(), room, e.getMessage());
            if (state != null && !state.members.containsKey(member.id())) {
                try {
                    presence.remove(room, member);
                } catch (RuntimeException ignored) {
                    // the broker is down; the node's heartbeat writes its true members again
                }
                if (state.members.isEmpty()) {
                    rooms.remove(room);
                    broker.unsubscribe(room);
                }
            }
            recipient.deliver(frame(unavailable(join.ref())));
        }
    }

    private void removeMember(Map<String, Room> rooms, String room, Room state, Recipient recipient) {
        Member member = recipient.member();
        state.members.remove(member.id());
        recipient.leftRoom(room);
        if (state.members.isEmpty()) {
            rooms.remove(room);
            broker.unsubscribe(room);
        }
        try {
            presence.remove(room, member);
            broker.publishEvent(room, codec.encode(new ServerFrame.Presence(room, "leave", member)));
        } catch (RuntimeException e) {
            log.debug("Presence of {} in {} not removed: {}", member.id(), room, e.getMessage());
        }
    }

    /** Delivers one publication in order, repairing a gap from the log first. Runs on the room's lane. */
    private void deliver(String room, Room state, String epoch, StoredMessage message) {
        if (!epoch.equals(state.epoch)) {
            changeEpoch(room, state, epoch);
        }
        if (message.offset() <= state.lastOffset) {
            return;
        }
        if (message.offset() > state.lastOffset + 1) {
            repair(room, state, message.offset() - 1);
            if (!epoch.equals(state.epoch) || message.offset() <= state.lastOffset) {
                return;
            }
        }
        fanOut(room, state, message);
    }

    /**
     * Reads the offsets after the last delivered one up to {@code upTo} from the log, page by page,
     * and delivers them. Offsets no longer in the log are skipped.
     */
    private void repair(String room, Room state, long upTo) {
        try {
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
                        fanOut(room, state, missed);
                    }
                }
                if (state.lastOffset == before) {
                    return;
                }
            }
        } catch (RuntimeException e) {
            log.warn("Could not repair a gap in room {} after offset {}: {}", room, state.lastOffset, e.getMessage());
        }
    }

    /** After a resubscription: delivers whatever was stored while this node was not listening. */
    private void catchUp(String room, Room state) {
        try {
            HistoryPage position = position(room);
            if (!position.epoch().equals(state.epoch)) {
                changeEpoch(room, state, position.epoch());
            }
            repair(room, state, position.offset());
        } catch (RuntimeException e) {
            log.warn("Could not catch up room {}: {}", room, e.getMessage());
        }
    }

    private void changeEpoch(String room, Room state, String epoch) {
        log.info("Room {} changed epoch {} -> {} (its log was lost)", room, state.epoch, epoch);
        TextMessage notice = frame(new ServerFrame.EpochChanged(room, epoch, state.epoch));
        for (Membership member : state.members.values()) {
            member.recipient.deliver(notice);
            member.floor = 0;
        }
        state.epoch = epoch;
        state.lastOffset = 0;
    }

    private void fanOut(String room, Room state, StoredMessage message) {
        TextMessage frame = new TextMessage(codec.message(room, state.epoch, message));
        for (Membership member : state.members.values()) {
            if (message.offset() > member.floor) {
                member.recipient.deliver(frame);
            }
        }
        state.lastOffset = message.offset();
    }

    private TextMessage frame(ServerFrame frame) {
        return new TextMessage(codec.encode(frame));
    }

    private static ServerFrame.Error unavailable(String ref) {
        return new ServerFrame.Error(ErrorCode.BROKER_UNAVAILABLE.wire(), "the message broker is unavailable; retry", ref);
    }

    /** The room's epoch and last offset (creating the epoch if the room is new). */
    private HistoryPage position(String room) {
        return await(broker.since(room, 0, 0));
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

    /** One room's state; touched only on its lane. */
    private static final class Room {
        final Map<String, Membership> members = new LinkedHashMap<>();
        String epoch;
        long lastOffset;
    }

    /** A local member of a room; offsets up to {@code floor} (of the current epoch) it already has. */
    private static final class Membership {
        final Recipient recipient;
        long floor;

        Membership(Recipient recipient, long floor) {
            this.recipient = recipient;
            this.floor = floor;
        }
    }

    /** A single thread and the rooms it owns. */
    private record Lane(ExecutorService executor, Map<String, Room> rooms) {

        Lane(ExecutorService executor) {
            this(executor, new HashMap<>());
        }

        void run(java.util.function.Consumer<Map<String, Room>> task) {
            try {
                executor.execute(() -> {
                    try {
                        task.accept(rooms);
                    } catch (RuntimeException e) {
                        log.error("Room task failed", e);
                    }
                });
            } catch (java.util.concurrent.RejectedExecutionException e) {
                log.debug("Room lane stopped; dropping a task");
            }
        }
    }
}
