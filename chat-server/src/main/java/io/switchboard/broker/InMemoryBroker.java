package io.switchboard.broker;

import io.switchboard.protocol.EventKind;
import io.switchboard.protocol.RoomEventSink;
import io.switchboard.protocol.RoomEventType;
import io.switchboard.protocol.StoredMessage;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * The single-node broker: rooms, logs and subscriptions live in this JVM. Same guarantees as
 * {@link Broker}; there is no other node, so "delivered" means handed to this node's handler,
 * synchronously and in offset order. Nothing survives a restart; every run starts new epochs.
 * A room not written for the retention is forgotten, as Redis expires its keys; a room that never
 * held a message is forgotten {@code emptyRoomRetention} after its last member left (while it has a
 * member, this node is subscribed to it). When {@code maxRooms} are held, the message-less rooms
 * without members go first; only then is a new room refused.
 */
public final class InMemoryBroker implements Broker {

    /** What starts a cursor of {@link #rooms}. */
    private static final String CURSOR = "r:";
    /** Every this many accesses, rooms past their retention are removed from the map. */
    private static final int SWEEP_EVERY = 1024;

    private final Map<String, RoomLog> rooms = new ConcurrentHashMap<>();
    private final Set<String> subscribed = ConcurrentHashMap.newKeySet();
    private final InMemoryBans bans;
    private final int historySize;
    private final Duration dedupeTtl;
    private final long retentionMillis;
    private final long emptyRetentionMillis;
    private final int maxRooms;
    private final Clock clock;
    private final AtomicLong accesses = new AtomicLong();
    private volatile BrokerEventHandler handler;
    private final RoomEventSink events;

    public InMemoryBroker(int historySize, Duration dedupeTtl, Duration retention, Duration emptyRoomRetention,
                          int maxRooms, Clock clock) {
        this(historySize, dedupeTtl, retention, emptyRoomRetention, maxRooms, clock, RoomEventSink.NONE);
    }

    /** The same, putting message.created and message.deleted events in {@code events} (webhooks). */
    public InMemoryBroker(int historySize, Duration dedupeTtl, Duration retention, Duration emptyRoomRetention,
                          int maxRooms, Clock clock, RoomEventSink events) {
        this.events = events;
        this.bans = new InMemoryBans(clock);
        this.maxRooms = maxRooms;
        this.emptyRetentionMillis = emptyRoomRetention.toMillis();
        this.historySize = historySize;
        this.dedupeTtl = dedupeTtl;
        this.retentionMillis = retention.toMillis();
        this.clock = clock;
    }

    @Override
    public void setHandler(BrokerEventHandler handler) {
        this.handler = handler;
    }

    @Override
    public CompletableFuture<Void> subscribe(String room) {
        subscribed.add(room);
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public CompletableFuture<Void> unsubscribe(String room) {
        subscribed.remove(room);
        RoomLog log = rooms.get(room);
        if (log != null) {
            synchronized (log) {
                if (log.isEmpty()) { // its last member left: it lives the empty room's retention from now
                    log.touched(clock.millis(), emptyRetentionMillis);
                }
            }
        }
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public CompletableFuture<PublishResult> publish(String room, String dedupeKey, String body, String sender) {
        BannedException banned = bans.refusal(room, sender);
        if (banned != null) {
            return CompletableFuture.failedFuture(banned);
        }
        return withLog(room, log -> {
            long now = clock.millis();
            // insertion order is expiry order: drop expired ids from the head
            Iterator<Seen> oldest = log.dedupe.values().iterator();
            while (oldest.hasNext() && oldest.next().expiresAt <= now) {
                oldest.remove();
            }
            Seen seen = log.dedupe.get(dedupeKey);
            if (seen != null) {
                return new PublishResult(log.epoch, seen.offset, true);
            }
            StoredMessage message = new StoredMessage(++log.offset, body);
            log.messages.addLast(message);
            if (log.messages.size() > historySize) {
                log.messages.removeFirst();
            }
            log.dedupe.put(dedupeKey, new Seen(message.offset(), now + dedupeTtl.toMillis()));
            log.touched(now, retentionMillis);
            if (events.wants(RoomEventType.MESSAGE_CREATED)) {
                events.append(room, RoomEventType.MESSAGE_CREATED, log.epoch, message.offset(), body);
            }
            BrokerEventHandler h = handler;
            if (h != null && subscribed.contains(room)) {
                h.onPublication(room, log.epoch, message);
            }
            return new PublishResult(log.epoch, message.offset(), false);
        });
    }

    @Override
    public CompletableFuture<Void> publishEvent(String room, EventKind kind, String frame) {
        BrokerEventHandler h = handler;
        if (h != null && subscribed.contains(room)) {
            h.onEvent(room, kind, frame);
        }
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public CompletableFuture<HistoryPage> since(String room, long afterOffset, int limit) {
        return open(room, afterOffset, limit, true, null);
    }

    @Override
    public CompletableFuture<HistoryPage> open(String room, long afterOffset, int limit, boolean create, String user) {
        BannedException banned = bans.refusal(room, user);
        if (banned != null) {
            return CompletableFuture.failedFuture(banned);
        }
        if (!create && !exists(room)) {
            return CompletableFuture.failedFuture(new NoSuchRoomException(room));
        }
        return withLog(room, log -> {
            List<StoredMessage> page = new ArrayList<>(Math.min(limit, log.messages.size()));
            for (StoredMessage m : log.messages) {
                if (page.size() >= limit) {
                    break;
                }
                if (m.offset() > afterOffset) {
                    page.add(m);
                }
            }
            return page(log, page);
        });
    }

    @Override
    public CompletableFuture<HistoryPage> before(String room, long beforeOffset, int limit) {
        return withLog(room, log -> {
            ArrayDeque<StoredMessage> page = new ArrayDeque<>();
            var it = log.messages.descendingIterator();
            while (it.hasNext() && page.size() < limit) {
                StoredMessage m = it.next();
                if (beforeOffset == 0 || m.offset() < beforeOffset) {
                    page.addFirst(m);
                }
            }
            return page(log, List.copyOf(page));
        });
    }

    @Override
    public CompletableFuture<Void> ban(String room, Ban ban) {
        bans.ban(room, ban);
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public CompletableFuture<Boolean> unban(String room, String user) {
        return CompletableFuture.completedFuture(bans.unban(room, user));
    }

    @Override
    public CompletableFuture<List<Ban>> bans(String room) {
        return CompletableFuture.completedFuture(bans.inForce(room));
    }

    @Override
    public CompletableFuture<Deletion> delete(String room, long offset, String epoch) {
        if (!exists(room)) {
            return CompletableFuture.failedFuture(new NoSuchRoomException(room));
        }
        return withLog(room, log -> {
            if (epoch != null && !epoch.equals(log.epoch)) {
                throw new NoSuchMessageException("room " + room + " is at epoch " + log.epoch + " now; epoch " + epoch
                        + " and its offsets are gone");
            }
            StoredMessage[] messages = log.messages.toArray(StoredMessage[]::new);
            int at = messages.length == 0 ? -1 : (int) (offset - messages[0].offset());
            if (at < 0 || at >= messages.length) {
                throw new NoSuchMessageException("room " + room + " holds no message at offset " + offset
                        + " (never stored, or past the history's size or retention)");
            }
            if (log.deleted.contains(offset)) {
                return new Deletion(log.epoch, offset, true);
            }
            messages[at] = new StoredMessage(offset, Tombstones.of(messages[at].body()));
            log.messages.clear();
            log.messages.addAll(Arrays.asList(messages));
            log.deleted.add(offset);
            publishEvent(room, EventKind.PRESENCE, Tombstones.frame(room, log.epoch, offset));
            if (events.wants(RoomEventType.MESSAGE_DELETED)) {
                events.append(room, RoomEventType.MESSAGE_DELETED, log.epoch, offset, null);
            }
            return new Deletion(log.epoch, offset, false);
        });
    }

    /** This log lives and dies with the node: it never goes back in time, so there is nothing to fence. */
    @Override
    public CompletableFuture<String> fence(String room, String epoch, long lastOffset) {
        return withLog(room, log -> log.epoch);
    }

    @Override
    public boolean isAvailable() {
        return true;
    }

    private boolean exists(String room) {
        RoomLog log = rooms.get(room);
        return log != null && !log.expired(clock.millis(), subscribed.contains(room));
    }

    /** Runs {@code body} on the room's log, under its lock; a full broker answers a failed future. */
    private <T> CompletableFuture<T> withLog(String room, Function<RoomLog, T> body) {
        try {
            RoomLog log = log(room);
            synchronized (log) {
                return CompletableFuture.completedFuture(body.apply(log));
            }
        } catch (BrokerFullException | NoSuchMessageException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /**
     * The room's log; a new one (a new epoch) when it was never written or was forgotten. A room
     * beyond {@code maxRooms} (after forgetting the expired ones, then the message-less ones no
     * member holds) is refused.
     */
    private RoomLog log(String room) {
        long now = clock.millis();
        if (accesses.incrementAndGet() % SWEEP_EVERY == 0) {
            forgetExpired(now);
        }
        RoomLog existing = rooms.get(room);
        if ((existing == null || existing.expired(now, subscribed.contains(room))) && rooms.size() >= maxRooms) {
            forgetExpired(now);
            if (rooms.size() >= maxRooms) {
                rooms.entrySet().removeIf(entry -> entry.getValue().isEmpty() && !subscribed.contains(entry.getKey()));
            }
            if (rooms.size() >= maxRooms && !rooms.containsKey(room)) {
                throw new BrokerFullException("this node holds its most rooms, " + maxRooms
                        + " (switchboard.history.max-rooms); a room is forgotten after the retention");
            }
        }
        return rooms.compute(room, (r, log) -> log == null || log.expired(now, subscribed.contains(r))
                ? new RoomLog(UUID.randomUUID().toString().substring(0, 8), now + emptyRetentionMillis, true) : log);
    }

    private void forgetExpired(long now) {
        rooms.entrySet().removeIf(entry -> entry.getValue().expired(now, subscribed.contains(entry.getKey())));
    }

    private static HistoryPage page(RoomLog log, List<StoredMessage> messages) {
        long first = log.messages.isEmpty() ? log.offset + 1 : log.messages.peekFirst().offset();
        boolean created = log.fresh;
        log.fresh = false;
        return new HistoryPage(log.epoch, log.offset, first, messages, created, log.offset);
    }

    /** In name order; the cursor is {@code r:} and the last name of the page before. */
    @Override
    public CompletableFuture<RoomPage> rooms(String cursor, int limit) {
        if (cursor != null && !cursor.startsWith(CURSOR)) {
            return CompletableFuture.failedFuture(new IllegalArgumentException("not a cursor of this API"));
        }
        String after = cursor == null ? null : cursor.substring(CURSOR.length());
        long now = clock.millis();
        List<String> names = rooms.entrySet().stream()
                .filter(room -> after == null || room.getKey().compareTo(after) > 0)
                .filter(room -> !room.getValue().expired(now, subscribed.contains(room.getKey())))
                .map(Map.Entry::getKey).sorted().limit(limit + 1L).toList();
        boolean more = names.size() > limit;
        List<String> page = more ? names.subList(0, limit) : names;
        return CompletableFuture.completedFuture(new RoomPage(page, more ? CURSOR + page.getLast() : null));
    }

    private static final class RoomLog {
        final String epoch;
        final ArrayDeque<StoredMessage> messages = new ArrayDeque<>();
        final Map<String, Seen> dedupe = new LinkedHashMap<>();
        /** Offsets whose message is a tombstone. */
        final Set<Long> deleted = new HashSet<>();
        long offset;
        /** Not read since it was created; under the log's lock. */
        boolean fresh;
        /** Written under the log's lock, read without it by the sweep: a stale read only delays a removal. */
        volatile long expiresAt;

        RoomLog(String epoch, long expiresAt, boolean fresh) {
            this.epoch = epoch;
            this.expiresAt = expiresAt;
            this.fresh = fresh;
        }

        /** Written to, or left by its last member: it lives {@code retention} from {@code now}. */
        void touched(long now, long retention) {
            expiresAt = now + retention;
        }

        /** Never written: forgotten when full, or once expired; never while it has a member here. */
        boolean isEmpty() {
            return offset == 0;
        }

        boolean expired(long now, boolean hasMembers) {
            return !(hasMembers && isEmpty()) && expiresAt <= now;
        }
    }

    private record Seen(long offset, long expiresAt) {}
}
