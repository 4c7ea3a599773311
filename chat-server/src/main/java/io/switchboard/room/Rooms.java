package io.switchboard.room;

import io.micrometer.core.instrument.MeterRegistry;
import io.switchboard.broker.Broker;
import io.switchboard.broker.PublishResult;
import io.switchboard.config.LifecyclePhases;
import io.switchboard.presence.Announcer;
import io.switchboard.presence.Presence;
import io.switchboard.protocol.ChatMessage;
import io.switchboard.protocol.ClientFrame;
import io.switchboard.protocol.EncodedFrame;
import io.switchboard.protocol.ErrorCode;
import io.switchboard.protocol.EventKind;
import io.switchboard.protocol.FrameCodec;
import io.switchboard.protocol.Member;
import io.switchboard.protocol.ServerFrame;
import io.switchboard.protocol.StoredMessage;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

/**
 * This node's rooms: which local connections are in which room, and delivery to them. The public
 * face of the room layer; the work is done by
 * <ul>
 *   <li>{@link Lanes}: the threads that own the rooms, one writer per room, no locks;</li>
 *   <li>{@link BrokerIntake}: what the broker hands the node, onto the lanes;</li>
 *   <li>{@link Delivery}: each message once and in order to the members, catch-up from the log,
 *       gaps and epochs;</li>
 *   <li>{@link Joins} and {@link Leaves}: the join protocol, and leaving;</li>
 *   <li>{@link io.switchboard.presence.Announcer}: telling a room who came and went;</li>
 *   <li>{@link RoomMetrics}, {@link Replies}: what is counted, and how answers are encoded.</li>
 * </ul>
 * Nothing here waits for Redis: requests issue their commands and the answers come back to the
 * room's lane, or straight to the connection.
 */
public final class Rooms implements SmartLifecycle, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Rooms.class);
    /** How long a stopping node lets its lanes finish what is queued (the leaves of closed connections). */
    static final Duration STOP_WAIT = Duration.ofSeconds(5);

    private final Broker broker;
    private final FrameCodec codec;
    private final Lanes lanes;
    private final RoomMetrics metrics;
    private final Replies replies;
    private final Joins joins;
    private final Leaves leaves;
    private final BrokerIntake intake;
    private volatile boolean running;

    Rooms(Broker broker, Presence presence, Announcer announcer, FrameCodec codec, RoomSettings settings,
          MeterRegistry meters) {
        this.broker = broker;
        this.codec = codec;
        this.lanes = new Lanes(settings.lanes(), settings.laneCapacity(), meters);
        this.metrics = new RoomMetrics(meters);
        this.replies = new Replies(codec);
        Delivery delivery = new Delivery(broker, codec, replies, lanes, metrics, settings.maxReplay());
        this.leaves = new Leaves(broker, presence, announcer, replies, metrics);
        this.joins = new Joins(broker, presence, announcer, codec, lanes, delivery, leaves, replies, metrics,
                settings.maxReplay());
        this.intake = new BrokerIntake(lanes, delivery, metrics, announcer);
    }

    /** Adds the recipient to the room, answers {@code joined}, then replays what it missed since {@code since}. */
    public void join(Recipient recipient, ClientFrame.Join join) {
        if (!lanes.of(join.room()).offer(rooms -> joins.start(rooms, recipient, join))) {
            metrics.refusedJoins.increment();
            recipient.joinEnded(join.room());
            recipient.deliver(replies.frame(new ServerFrame.Error(ErrorCode.OVERLOADED,
                    "this node is too busy to take the join now; retry", join.ref())));
        }
    }

    /** Removes the recipient from the room and answers {@code left} (or {@code error not_joined}). */
    public void leave(Recipient recipient, String room, String ref) {
        lanes.of(room).run(rooms -> leaves.leave(rooms, recipient, room, ref, true, null));
    }

    /** Removes a closed connection from all its rooms, without answering. */
    public void leaveAll(Recipient recipient, Iterable<String> rooms) {
        for (String room : rooms) {
            lanes.of(room).run(owned -> leaves.leave(owned, recipient, room, null, false, null));
        }
    }

    /**
     * Takes the recipient out of a room it may no longer be in (once a join in flight completed),
     * telling it {@code left {room, reason}} unasked; nothing if it is not in the room by then.
     */
    public void remove(Recipient recipient, String room, String reason) {
        lanes.of(room).run(rooms -> leaves.leave(rooms, recipient, room, null, true, reason));
    }

    /**
     * Stores and relays a message; answers {@code ack} with its position once stored (also for a
     * retry of a stored clientMsgId, marked duplicate), or {@code error broker_unavailable}. The
     * message itself reaches every member, the sender included, through the room.
     */
    public void send(Recipient recipient, ClientFrame.Send send) {
        Member from = recipient.member();
        store(send.room(), from, send.text(), send.clientMsgId(), from.dedupeScope() + "/" + send.clientMsgId(),
                from.account()).whenComplete((stored, error) -> {
                    if (error != null) {
                        log.debug("Publish to {} failed: {}", send.room(), error.toString());
                        recipient.deliver(replies.failed(send.ref(), error));
                        return;
                    }
                    recipient.deliver(replies.frame(new ServerFrame.Ack(send.room(), send.clientMsgId(), stored.epoch(),
                            stored.offset(), stored.duplicate(), send.ref())));
                });
    }

    /**
     * Stores and relays a message that no connection sent (the server API): from {@code sender},
     * deduplicated by {@code dedupeKey} like a client's {@code clientMsgId} (a repeat answers the first
     * position, marked duplicate). Reaches every member as any message does.
     */
    public CompletableFuture<PublishResult> post(String room, Member sender, String text, String dedupeKey) {
        return store(room, sender, text, null, dedupeKey, null);
    }

    /**
     * Stores a message (unless {@code dedupeKey} was seen, or {@code account}, when given, is banned
     * from the room) and relays it; counted once stored.
     */
    private CompletableFuture<PublishResult> store(String room, Member from, String text, String clientMsgId,
                                                   String dedupeKey, String account) {
        String body = codec.encodeBody(new ChatMessage(messageId(), from.id(), from.name(),
                from.user(), text, System.currentTimeMillis(), clientMsgId));
        return broker.publish(room, dedupeKey, body, account).thenApply(stored -> {
            if (!stored.duplicate()) {
                metrics.published.increment();
            }
            return stored;
        });
    }

    /**
     * A random (version 4) UUID for a message. From the thread's own generator, not
     * {@code UUID.randomUUID()}: an id names a message, it guards nothing, and the secure generator
     * reads the kernel's entropy under a lock shared by every thread (0.4% of a publishing node's CPU).
     */
    static String messageId() {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        return new UUID(random.nextLong() & ~0xF000L | 0x4000L,
                random.nextLong() & 0x3FFF_FFFF_FFFF_FFFFL | 0x8000_0000_0000_0000L).toString();
    }

    /** Relays a {@code typing} frame to the room (not stored). */
    public void typing(Recipient recipient, String room) {
        broker.publishEvent(room, EventKind.TYPING, codec.encode(new ServerFrame.Typing(room, recipient.member())));
    }

    /** Answers a {@code history} request with one page, oldest first. */
    public void history(Recipient recipient, ClientFrame.History request) {
        long before = request.before() == null ? 0 : request.before();
        broker.before(request.room(), before, request.limit()).whenComplete((page, error) -> {
            if (error != null) {
                recipient.deliver(replies.failed(request.ref(), error));
                return;
            }
            List<StoredMessage> messages = page.messages();
            boolean hasMore = !messages.isEmpty() && messages.getFirst().offset() > page.firstOffset();
            recipient.deliver(EncodedFrame.of(
                    codec.history(request.room(), page.epoch(), messages, hasMore, request.ref())));
        });
    }

    /** Starts the lanes, then takes what the broker delivers. */
    @Override
    public void start() {
        lanes.start();
        broker.setHandler(intake);
        running = true;
    }

    /** After the web server has closed every connection: lets the lanes finish the queued leaves. */
    @Override
    public void stop() {
        running = false;
        lanes.stop(STOP_WAIT);
    }

    @Override
    public void close() {
        lanes.close();
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    @Override
    public int getPhase() {
        return LifecyclePhases.ROOMS;
    }
}
