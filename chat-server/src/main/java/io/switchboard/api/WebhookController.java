package io.switchboard.api;

import io.micrometer.core.instrument.MeterRegistry;
import io.switchboard.config.NamedThreads;
import io.switchboard.config.WebhookProperties.Webhook;
import io.switchboard.webhook.DeadLetter;
import io.switchboard.webhook.WebhookDispatcher.Replayed;
import io.switchboard.webhook.WebhookDispatcher;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.annotation.JsonDeserialize;
import tools.jackson.databind.json.JsonMapper;

/**
 * The webhooks' dead letters (docs/webhooks.md): the events a webhook did not take within its
 * attempts, listed, and sent again on demand. A replay sends each event once, now, with a fresh
 * signature; each one taken leaves the dead letters.
 */
@RestController
@RequestMapping(path = "/api/webhooks", produces = MediaType.APPLICATION_JSON_VALUE)
final class WebhookController implements DisposableBean {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final int MAX_PAGE = 1000;
    private static final int MAX_REPLAY = 100;

    private final WebhookDispatcher dispatcher;
    /** Dead-letter reads wait for Redis, replays for receivers: on virtual threads, never the request threads. */
    private final ExecutorService replays;

    WebhookController(WebhookDispatcher dispatcher, MeterRegistry meters) {
        this.dispatcher = dispatcher;
        this.replays = NamedThreads.virtual("webhook-replays", meters);
    }

    @Override
    public void destroy() {
        replays.shutdownNow();
    }

    record WebhookInfo(String name, String url, List<String> events) {}

    record Parked(String id, String room, JsonNode event, String error, long parkedAt) {}

    record DeadLetters(String webhook, List<Parked> deadLetters) {}

    /** {@code POST .../replay}: the parked events to send again; none: the oldest 100. */
    record Replay(@JsonDeserialize(contentUsing = StrictJson.Text.class) List<String> ids) {}

    record ReplayResult(String webhook, List<Replayed> replayed) {}

    @GetMapping
    public List<WebhookInfo> webhooks() {
        return dispatcher.webhooks().stream()
                .map(webhook -> new WebhookInfo(webhook.name(), webhook.url().toString(), webhook.events())).toList();
    }

    @GetMapping("/{name}/dead-letters")
    public CompletableFuture<DeadLetters> deadLetters(@PathVariable String name,
                                                      @RequestParam(defaultValue = "100") int limit) {
        Webhook webhook = webhook(name);
        if (limit < 1 || limit > MAX_PAGE) {
            throw new ApiException(HttpStatus.BAD_REQUEST, "limit must be 1-" + MAX_PAGE);
        }
        return CompletableFuture.supplyAsync(() -> new DeadLetters(name, dispatcher.deadLetters(webhook, limit).stream()
                .map(WebhookController::parked).toList()), replays);
    }

    @PostMapping(path = "/{name}/dead-letters/replay")
    public CompletableFuture<ReplayResult> replay(@PathVariable String name, @RequestBody(required = false) Replay replay) {
        Webhook webhook = webhook(name);
        List<String> ids = replay == null || replay.ids() == null ? List.of() : replay.ids();
        if (ids.size() > MAX_REPLAY) {
            throw new ApiException(HttpStatus.BAD_REQUEST, "ids lists at most " + MAX_REPLAY + " parked events");
        }
        return CompletableFuture.supplyAsync(() -> {
            try {
                return new ReplayResult(name, dispatcher.replay(webhook, ids, MAX_REPLAY));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
            }
        }, replays);
    }

    private Webhook webhook(String name) {
        return dispatcher.webhook(name).orElseThrow(() -> new ApiException(HttpStatus.NOT_FOUND,
                "no webhook named " + name + " (switchboard.webhooks[n].name)"));
    }

    private static Parked parked(DeadLetter letter) {
        return new Parked(letter.id(), letter.room(), JSON.readTree(letter.event()), letter.error(), letter.parkedAt());
    }
}
