package io.switchboard.webhook;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.switchboard.protocol.RoomEvent;
import io.switchboard.protocol.RoomEventSink;
import io.switchboard.protocol.RoomEventType;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The rooms' events on a single node ({@code switchboard.broker=memory}): a bounded queue in this
 * JVM, filled by the in-memory broker and presence as things happen. At most
 * {@code webhook-delivery.queue-size} events are held (all rooms together); one more is dropped and
 * counted ({@code switchboard.webhooks.dropped}), and the queue is lost with the node. Use Redis for
 * webhooks that lose nothing.
 */
final class InMemoryEventFeed implements EventFeed, RoomEventSink {

    private final Set<RoomEventType> wanted;
    private final List<String> webhooks;
    private final int capacity;
    private final int deadLetterCap;
    private final AtomicInteger held = new AtomicInteger();
    private final AtomicLong ids = new AtomicLong();
    private final Map<String, RoomQueue> rooms = new ConcurrentHashMap<>();
    /** Rooms with events appended since they were last claimed. */
    private final Set<String> due = ConcurrentHashMap.newKeySet();
    private final Set<String> holding = ConcurrentHashMap.newKeySet();
    private final Map<String, ArrayDeque<DeadLetter>> deadLetters = new ConcurrentHashMap<>();
    private final Counter dropped;

    InMemoryEventFeed(Set<RoomEventType> wanted, List<String> webhooks, int capacity, int deadLetterCap,
                      MeterRegistry meters) {
        this.wanted = Set.copyOf(wanted);
        this.webhooks = List.copyOf(webhooks);
        this.capacity = capacity;
        this.deadLetterCap = deadLetterCap;
        this.dropped = Counter.builder("switchboard.webhooks.dropped")
                .description("room events dropped: the in-memory broker's event queue was full").register(meters);
    }

    @Override
    public boolean wants(RoomEventType type) {
        return wanted.contains(type);
    }

    @Override
    public void append(String room, RoomEventType type, String epoch, long offset, String data) {
        if (held.incrementAndGet() > capacity) {
            held.decrementAndGet();
            dropped.increment();
            return;
        }
        RoomQueue queue = rooms.computeIfAbsent(room, r -> new RoomQueue());
        synchronized (queue) {
            long at = System.currentTimeMillis();
            queue.events.addLast(new RoomEvent(room, at + "-" + ids.incrementAndGet(), type, ++queue.seq, at, epoch,
                    offset, data));
        }
        due.add(room);
    }

    @Override
    public List<String> claim(int max) {
        List<String> claimed = new ArrayList<>();
        for (String room : due) {
            if (claimed.size() >= max) {
                break;
            }
            if (!holding.contains(room) && due.remove(room)) {
                holding.add(room);
                claimed.add(room);
            }
        }
        return claimed;
    }

    @Override
    public void renew(Collection<String> rooms) {
        // one node: nobody to take its rooms
    }

    @Override
    public void release(String room) {
        holding.remove(room);
    }

    /** One node: due again at once (the dispatcher's next poll). */
    @Override
    public void later(String room, java.time.Duration delay) {
        due.add(room);
        holding.remove(room);
    }

    @Override
    public List<RoomEvent> read(String room, String webhook, int max) {
        RoomQueue queue = rooms.get(room);
        if (queue == null) {
            return List.of();
        }
        synchronized (queue) {
            long after = queue.cursors.getOrDefault(webhook, 0L);
            return queue.events.stream().filter(event -> event.seq() > after).limit(max).toList();
        }
    }

    @Override
    public void advance(RoomEvent event, String webhook) {
        RoomQueue queue = rooms.get(event.room());
        if (queue == null) {
            return;
        }
        synchronized (queue) {
            queue.cursors.merge(webhook, event.seq(), Math::max);
            long low = Long.MAX_VALUE;
            for (String name : webhooks) {
                low = Math.min(low, queue.cursors.getOrDefault(name, 0L));
            }
            while (!queue.events.isEmpty() && queue.events.peekFirst().seq() <= low) {
                queue.events.removeFirst();
                held.decrementAndGet();
            }
        }
    }

    @Override
    public void park(String webhook, DeadLetter letter) {
        ArrayDeque<DeadLetter> letters = deadLetters.computeIfAbsent(webhook, w -> new ArrayDeque<>());
        synchronized (letters) {
            letters.addLast(new DeadLetter(Long.toString(ids.incrementAndGet()), letter.room(), letter.event(),
                    letter.error(), System.currentTimeMillis()));
            if (letters.size() > deadLetterCap) {
                letters.removeFirst();
            }
        }
    }

    @Override
    public List<DeadLetter> deadLetters(String webhook, int max) {
        ArrayDeque<DeadLetter> letters = deadLetters.getOrDefault(webhook, new ArrayDeque<>());
        synchronized (letters) {
            return letters.stream().limit(max).toList();
        }
    }

    @Override
    public boolean forget(String webhook, String id) {
        ArrayDeque<DeadLetter> letters = deadLetters.get(webhook);
        if (letters == null) {
            return false;
        }
        synchronized (letters) {
            return letters.removeIf(letter -> letter.id().equals(id));
        }
    }

    /**
     * One room's events and each webhook's place in them (the seq it has had up to). Kept while the
     * node runs, so that the room's seq never restarts.
     */
    private static final class RoomQueue {
        final ArrayDeque<RoomEvent> events = new ArrayDeque<>();
        final Map<String, Long> cursors = new HashMap<>();
        long seq;
    }
}
