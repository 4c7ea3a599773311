package io.switchboard.config;

import io.switchboard.protocol.RoomEventType;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The webhooks (docs/webhooks.md): where each room event goes, signed.
 *
 * @param webhooks        each receiver: {@code switchboard.webhooks[n].url}, {@code .secret} (at
 *                        least 24 characters), {@code .events}, {@code .name} ({@code webhook-<n>}
 *                        if left out), {@code .timeout}, {@code .max-attempts},
 *                        {@code .initial-backoff}, {@code .max-backoff}. None by default
 * @param webhookDelivery how the nodes share the delivery
 */
@ConfigurationProperties("switchboard")
public record WebhookProperties(@DefaultValue List<Webhook> webhooks, @DefaultValue Delivery webhookDelivery) {

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_-]{1,32}");
    /** Shortest secret taken: a guessable secret signs nothing. */
    public static final int MIN_SECRET_LENGTH = 24;

    public WebhookProperties {
        List<Webhook> named = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (int i = 0; i < webhooks.size(); i++) {
            Webhook webhook = webhooks.get(i);
            String where = "switchboard.webhooks[" + i + "]";
            String name = webhook.name() == null || webhook.name().isEmpty() ? "webhook-" + i : webhook.name();
            if (!NAME.matcher(name).matches() || !names.add(name)) {
                throw new IllegalStateException(where + ".name must be 1-32 characters of A-Z a-z 0-9 _ -, one per webhook");
            }
            if (webhook.url() == null || webhook.url().getHost() == null
                    || !("http".equals(webhook.url().getScheme()) || "https".equals(webhook.url().getScheme()))) {
                throw new IllegalStateException(where + ".url must be an http or https URL");
            }
            if (webhook.secret() == null || webhook.secret().length() < MIN_SECRET_LENGTH) {
                throw new IllegalStateException(where + ".secret must be at least " + MIN_SECRET_LENGTH
                        + " characters (for example: openssl rand -hex 24)");
            }
            for (String event : webhook.events()) {
                if (RoomEventType.ofWire(event).isEmpty()) {
                    throw new IllegalStateException(where + ".events: no event " + event + " (there are "
                            + EnumSet.allOf(RoomEventType.class).stream().map(RoomEventType::wire).toList() + ")");
                }
            }
            if (webhook.maxAttempts() < 1 || webhook.initialBackoff().isNegative() || webhook.initialBackoff().isZero()
                    || webhook.maxBackoff().compareTo(webhook.initialBackoff()) < 0) {
                throw new IllegalStateException(where + ": max-attempts must be 1 or more, and max-backoff at least "
                        + "initial-backoff, which is above 0");
            }
            named.add(new Webhook(name, webhook.url(), webhook.secret(), webhook.events(), webhook.timeout(),
                    webhook.maxAttempts(), webhook.initialBackoff(), webhook.maxBackoff()));
        }
        webhooks = List.copyOf(named);
    }

    /**
     * One receiver.
     *
     * @param name           how logs, metrics and the dead-letter API call it
     * @param url            where events are POSTed
     * @param secret         the HMAC-SHA256 key that signs each request
     * @param events         the event types it gets
     * @param timeout        an attempt that has no answer by then failed
     * @param maxAttempts    attempts at one event before it is parked in the dead letters
     * @param initialBackoff the first wait after a failed attempt; each next one doubles, at random
     *                       below that (full jitter), up to {@code maxBackoff}
     * @param maxBackoff     the longest wait between attempts
     */
    public record Webhook(
            String name,
            URI url,
            String secret,
            @DefaultValue({"message.created", "message.deleted", "room.occupied", "room.vacated"}) List<String> events,
            @DefaultValue("5s") Duration timeout,
            @DefaultValue("12") int maxAttempts,
            @DefaultValue("1s") Duration initialBackoff,
            @DefaultValue("5m") Duration maxBackoff) {

        public boolean wants(RoomEventType type) {
            return events.contains(type.wire());
        }

        @Override
        public String toString() { // never the secret
            return "Webhook[name=" + name + ", url=" + url + ", events=" + events + "]";
        }
    }

    /**
     * @param lease        how long a node holds a room's delivery without renewing it; a node that
     *                     died holding rooms has them taken over by another this long after
     * @param pollInterval how often a node looks for rooms with events to deliver
     * @param queueSize    with the in-memory broker: events held at most (all rooms together);
     *                     beyond it new events are dropped and counted
     * @param deadLetters  parked events kept per webhook at most (the oldest go first)
     * @param sweepInterval on a Redis Cluster: how often one of the nodes looks over every room's
     *                     events for undelivered ones whose room is not due (storing an event and
     *                     marking its room due are two steps there: a node can die between them)
     */
    public record Delivery(
            @DefaultValue("30s") Duration lease,
            @DefaultValue("200ms") Duration pollInterval,
            @DefaultValue("10000") int queueSize,
            @DefaultValue("10000") int deadLetters,
            @DefaultValue("60s") Duration sweepInterval) {

        public Delivery {
            if (sweepInterval.compareTo(Duration.ofSeconds(1)) < 0) {
                throw new IllegalStateException("switchboard.webhook-delivery.sweep-interval must be 1s or more");
            }
        }
    }

    /** The event types some webhook wants: the only ones recorded. */
    public Set<RoomEventType> wanted() {
        Set<RoomEventType> wanted = EnumSet.noneOf(RoomEventType.class);
        for (Webhook webhook : webhooks) {
            webhook.events().forEach(event -> RoomEventType.ofWire(event).ifPresent(wanted::add));
        }
        return wanted;
    }
}
