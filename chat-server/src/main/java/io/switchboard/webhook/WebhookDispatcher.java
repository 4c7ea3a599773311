package io.switchboard.webhook;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.switchboard.config.LifecyclePhases;
import io.switchboard.config.NamedThreads;
import io.switchboard.config.WebhookProperties.Webhook;
import io.switchboard.config.WebhookProperties;
import io.switchboard.protocol.RoomEvent;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Delivers the rooms' events to the webhooks (docs/webhooks.md), at least once and in order per
 * room. Every {@code webhook-delivery.poll-interval} the node claims due rooms from the {@link
 * EventFeed}; each claimed room gets a virtual thread per webhook that sends its events one after
 * the other, each signed ({@link Signatures}) and retried with exponential backoff and full jitter
 * until it is taken (2xx) or its attempts are spent, when it is parked in the dead letters. An
 * event counts as had only after that, so a node that dies midway leaves it to the node that claims
 * the room after its lease: the receiver may see it twice (the same {@code id}), never lose it.
 * Nothing here runs on a frame, lane or handshake thread.
 */
public final class WebhookDispatcher implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(WebhookDispatcher.class);
    private static final JsonMapper JSON = JsonMapper.builder().build();
    /** Rooms a node delivers at once; more wait for the next poll (or another node). */
    static final int MAX_ROOMS = 256;
    /** Events read from a room at a time. */
    private static final int BATCH = 100;
    /** How soon a room left midway (Redis failed) is tried again. */
    private static final Duration RETRY_ROOM = Duration.ofSeconds(1);

    private final EventFeed feed;
    private final List<Webhook> webhooks;
    private final WebhookProperties.Delivery settings;
    private final HttpClient http;
    private final MeterRegistry meters;
    private final Map<String, Metrics> metrics = new HashMap<>();
    private final Counter swept;
    /** Rooms this node delivers now. */
    private final Set<String> held = ConcurrentHashMap.newKeySet();
    private ScheduledExecutorService scheduler;
    private ExecutorService workers;
    private volatile boolean running;

    /** What each webhook counts. */
    private record Metrics(Counter delivered, Counter retried, Counter parked, Timer lag) {}

    WebhookDispatcher(EventFeed feed, WebhookProperties properties, MeterRegistry meters) {
        this.feed = feed;
        this.webhooks = properties.webhooks();
        this.settings = properties.webhookDelivery();
        this.meters = meters;
        this.swept = Counter.builder("switchboard.webhooks.swept")
                .description("rooms with undelivered events that no node was to deliver, found by the Redis Cluster's sweep")
                .register(meters);
        this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5))
                .followRedirects(HttpClient.Redirect.NEVER).build();
        for (Webhook webhook : webhooks) {
            String name = webhook.name();
            metrics.put(name, new Metrics(
                    Counter.builder("switchboard.webhooks.delivered").tag("webhook", name)
                            .description("events a webhook took (2xx)").register(meters),
                    Counter.builder("switchboard.webhooks.retried").tag("webhook", name)
                            .description("failed attempts that were tried again").register(meters),
                    Counter.builder("switchboard.webhooks.parked").tag("webhook", name)
                            .description("events parked in the dead letters, their attempts spent").register(meters),
                    Timer.builder("switchboard.webhooks.lag").tag("webhook", name)
                            .description("from an event to its delivery").register(meters)));
        }
    }

    private void poll() {
        try {
            int room = MAX_ROOMS - held.size();
            if (room <= 0) {
                return;
            }
            for (String claimed : feed.claim(room)) {
                if (held.add(claimed)) {
                    workers.submit(() -> deliver(claimed));
                }
            }
        } catch (RuntimeException e) {
            log.debug("Looking for webhook events failed: {}", e.toString());
        }
    }

    private void renew() {
        try {
            feed.renew(List.copyOf(held));
        } catch (RuntimeException e) {
            log.debug("Renewing the webhook rooms this node holds failed: {}", e.toString());
        }
    }

    /** The Redis Cluster's safety net ({@link EventFeed#sweep}), on a worker: a scan may take a while. */
    private void sweep() {
        try {
            int marked = feed.sweep(settings.sweepInterval());
            swept.increment(marked);
            if (marked > 0) {
                log.warn("{} rooms had webhook events that no node was to deliver (a node died between storing "
                        + "an event and marking its room due); they are due now", marked);
            }
        } catch (RuntimeException e) {
            log.debug("Looking over every room's webhook events failed: {}", e.toString());
        }
    }

    /** Every webhook's events of the room, each webhook on its own, then the room is released. */
    private void deliver(String room) {
        boolean done = false;
        try {
            List<Future<?>> each = new ArrayList<>(webhooks.size());
            for (Webhook webhook : webhooks) {
                each.add(workers.submit(() -> {
                    drain(room, webhook);
                    return null;
                }));
            }
            for (Future<?> one : each) {
                one.get();
            }
            done = true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException e) {
            log.debug("Delivering {}'s events stopped midway: {}", room, e.getCause().toString());
        } finally {
            // a stopping node interrupted this thread: the room is given back all the same, so that
            // another node goes on at once instead of after the lease
            boolean interrupted = Thread.interrupted();
            try {
                if (done) {
                    feed.release(room);
                } else {
                    feed.later(room, running ? RETRY_ROOM : Duration.ZERO);
                }
            } catch (RuntimeException e) {
                log.debug("Releasing {} failed (its lease will end): {}", room, e.toString());
            }
            held.remove(room);
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Sends the webhook the room's events it has not had, until there are none. */
    private void drain(String room, Webhook webhook) throws InterruptedException {
        while (true) {
            List<RoomEvent> events = feed.read(room, webhook.name(), BATCH);
            if (events.isEmpty()) {
                return;
            }
            for (RoomEvent event : events) {
                if (event.type() != null && webhook.wants(event.type())) {
                    send(webhook, event);
                }
                feed.advance(event, webhook.name());
            }
        }
    }

    /** Until taken, or parked once its attempts are spent. */
    private void send(Webhook webhook, RoomEvent event) throws InterruptedException {
        Metrics counted = metrics.get(webhook.name());
        String body = EventBodies.json(event);
        for (int attempt = 1; ; attempt++) {
            if (!running) {
                throw new InterruptedException("stopping");
            }
            Optional<String> failure = attempt(webhook, EventBodies.id(event), event.type().wire(), body);
            if (failure.isEmpty()) {
                counted.delivered().increment();
                counted.lag().record(Duration.ofMillis(Math.max(0, System.currentTimeMillis() - event.at())));
                return;
            }
            if (attempt >= webhook.maxAttempts()) {
                feed.park(webhook.name(), new DeadLetter(null, event.room(), body, failure.get(), System.currentTimeMillis()));
                counted.parked().increment();
                log.warn("Webhook {} did not take event {} in {} attempts (last: {}); parked in its dead letters",
                        webhook.name(), EventBodies.id(event), attempt, failure.get());
                return;
            }
            counted.retried().increment();
            Thread.sleep(backoff(webhook, attempt));
        }
    }

    /** Full jitter: at random below {@code initial x 2^(attempt-1)}, capped at the webhook's most. */
    static long backoff(Webhook webhook, int attempt) {
        long initial = webhook.initialBackoff().toMillis();
        long ceiling = attempt >= 31 ? webhook.maxBackoff().toMillis()
                : Math.min(webhook.maxBackoff().toMillis(), initial << (attempt - 1));
        return ThreadLocalRandom.current().nextLong(ceiling + 1);
    }

    /** One signed POST; empty if taken (2xx), else why not. */
    private Optional<String> attempt(Webhook webhook, String id, String type, String body) throws InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(webhook.url()).timeout(webhook.timeout())
                .header("Content-Type", "application/json")
                .header("User-Agent", "Switchboard-Webhooks/1")
                .header("Switchboard-Event-Id", id)
                .header("Switchboard-Event-Type", type)
                .header("Switchboard-Signature", Signatures.header(webhook.secret(), Instant.now().getEpochSecond(), body))
                .POST(HttpRequest.BodyPublishers.ofString(body)).build();
        try {
            int status = http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
            return status / 100 == 2 ? Optional.empty() : Optional.of("HTTP " + status);
        } catch (IOException e) {
            return Optional.of(e.toString());
        }
    }

    /** The webhooks, as configured. */
    public List<Webhook> webhooks() {
        return webhooks;
    }

    /** A webhook by name. */
    public Optional<Webhook> webhook(String name) {
        return webhooks.stream().filter(webhook -> webhook.name().equals(name)).findFirst();
    }

    /** Up to {@code max} of the webhook's parked events, oldest first. */
    public List<DeadLetter> deadLetters(Webhook webhook, int max) {
        return feed.deadLetters(webhook.name(), max);
    }

    /** What a replay did with one parked event: sent and forgotten, or why not. */
    public record Replayed(String id, boolean delivered, String error) {}

    /**
     * Sends parked events again, once each, now ({@code ids} empty: the oldest {@code max}); each one
     * taken leaves the dead letters. Blocks: call it off the request threads.
     */
    public List<Replayed> replay(Webhook webhook, List<String> ids, int max) throws InterruptedException {
        List<Replayed> results = new ArrayList<>();
        for (DeadLetter letter : feed.deadLetters(webhook.name(), ids.isEmpty() ? max : Integer.MAX_VALUE)) {
            if (!ids.isEmpty() && !ids.contains(letter.id())) {
                continue;
            }
            JsonNode event = JSON.readTree(letter.event());
            Optional<String> failure = attempt(webhook, event.path("id").asString(), event.path("type").asString(),
                    letter.event());
            if (failure.isEmpty()) {
                feed.forget(webhook.name(), letter.id());
                metrics.get(webhook.name()).delivered().increment();
            }
            results.add(new Replayed(letter.id(), failure.isEmpty(), failure.orElse(null)));
        }
        return results;
    }

    @Override
    public void start() {
        running = true;
        if (webhooks.isEmpty()) {
            return;
        }
        workers = NamedThreads.virtual("webhook", meters);
        scheduler = NamedThreads.scheduled("webhooks", meters);
        long poll = Math.max(10, settings.pollInterval().toMillis());
        scheduler.scheduleWithFixedDelay(this::poll, poll, poll, TimeUnit.MILLISECONDS);
        long renew = Math.max(100, settings.lease().toMillis() / 3);
        scheduler.scheduleWithFixedDelay(this::renew, renew, renew, TimeUnit.MILLISECONDS);
        long sweep = settings.sweepInterval().toMillis();
        scheduler.scheduleWithFixedDelay(() -> workers.submit(this::sweep), sweep, sweep, TimeUnit.MILLISECONDS);
    }

    /**
     * Stops claiming, interrupts the deliveries (each gives its room back at once, for another node
     * to go on with), and closes the feed.
     */
    @Override
    public void stop() {
        running = false;
        if (scheduler != null) {
            scheduler.shutdownNow();
            workers.shutdownNow();
            try {
                workers.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        feed.close(); // before Spring's Redis connection factory stops
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    @Override
    public int getPhase() {
        return LifecyclePhases.WEBHOOKS;
    }
}
