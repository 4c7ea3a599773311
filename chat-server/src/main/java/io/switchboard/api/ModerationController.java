package io.switchboard.api;

import io.switchboard.broker.Ban;
import io.switchboard.broker.Broker;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.annotation.JsonDeserialize;

/**
 * The server API's moderation (docs/api.md): disconnect a user, ban one from a room (and lift the
 * ban), and delete a message, leaving a tombstone at its offset. Each acts on every node: bans and
 * tombstones are kept by the broker, which refuses a banned user's join and send itself; a user's
 * connections are reached through {@link Moderation}'s orders.
 */
@RestController
@RequestMapping(path = "/api", produces = MediaType.APPLICATION_JSON_VALUE)
final class ModerationController {

    /** What fits a close frame's reason (123 bytes) in most scripts; longer ones are cut there. */
    private static final int MAX_REASON = 100;
    /** The longest ban with an end; longer ones are for good (no duration). */
    private static final Duration MAX_BAN = Duration.ofDays(3650);

    private final Broker broker;
    private final Moderation moderation;

    ModerationController(Broker broker, Moderation moderation) {
        this.broker = broker;
        this.moderation = moderation;
    }

    /** {@code POST /api/users/{user}/disconnect}: why, in words the user sees, and whether it may come back. */
    record Disconnect(@JsonDeserialize(using = StrictJson.Text.class) String reason,
                      @JsonDeserialize(using = StrictJson.Flag.class) Boolean reconnect) {}

    record Disconnected(String user, String reason, boolean reconnect) {}

    /** {@code POST /api/rooms/{room}/bans}: {@code duration} in seconds or ISO-8601 ({@code PT10M}); none: for good. */
    record NewBan(@JsonDeserialize(using = StrictJson.Text.class) String user, JsonNode duration) {}

    /** A ban in force; {@code until} null: until it is lifted. */
    record BanState(String room, String user, Instant until) {}

    record Bans(String room, List<BanState> bans) {}

    record Lifted(String room, String user, boolean lifted) {}

    /** A message made a tombstone; {@code alreadyDeleted}: it was one before this call. */
    record Deleted(String room, String epoch, long offset, boolean alreadyDeleted) {}

    /**
     * Closes every connection of the user on every node: 4009 (do not reconnect) or, with {@code
     * reconnect}, 4010; the close frame carries the reason. Answers once every node was told.
     */
    @PostMapping(path = "/users/{user}/disconnect", consumes = MediaType.APPLICATION_JSON_VALUE)
    public CompletableFuture<ResponseEntity<Disconnected>> disconnect(@PathVariable String user,
                                                                      @RequestBody Disconnect request) {
        Inputs.user(user);
        String reason = request.reason() == null ? "disconnected by the app" : request.reason().strip();
        if (reason.isEmpty() || reason.length() > MAX_REASON || reason.codePoints().anyMatch(Character::isISOControl)) {
            throw new ApiException(HttpStatus.BAD_REQUEST,
                    "reason must be 1-" + MAX_REASON + " characters without control characters");
        }
        boolean reconnect = Boolean.TRUE.equals(request.reconnect());
        return moderation.disconnect(user, reason, reconnect).thenApply(told -> ResponseEntity
                .status(HttpStatus.ACCEPTED).body(new Disconnected(user, reason, reconnect)));
    }

    /**
     * Bans the user from the room (in place of a ban it had there), then takes it out of the room on
     * every node: from then on its joins and sends there are refused {@code forbidden}.
     */
    @PostMapping(path = "/rooms/{room}/bans", consumes = MediaType.APPLICATION_JSON_VALUE)
    public CompletableFuture<ResponseEntity<BanState>> ban(@PathVariable String room, @RequestBody NewBan request) {
        Inputs.room(room);
        String user = Inputs.user(request.user());
        Duration duration = duration(request.duration());
        Ban ban = new Ban(user, duration == null ? null : Instant.now().plus(duration));
        return broker.ban(room, ban).thenCompose(banned -> moderation.remove(user, room)).thenApply(removed ->
                ResponseEntity.status(HttpStatus.CREATED).body(new BanState(room, user, ban.until())));
    }

    @DeleteMapping("/rooms/{room}/bans/{user}")
    public CompletableFuture<ResponseEntity<Lifted>> unban(@PathVariable String room, @PathVariable String user) {
        Inputs.room(room);
        Inputs.user(user);
        return broker.unban(room, user).thenApply(lifted -> ResponseEntity
                .status(lifted ? HttpStatus.OK : HttpStatus.NOT_FOUND).body(new Lifted(room, user, lifted)));
    }

    @GetMapping("/rooms/{room}/bans")
    public CompletableFuture<Bans> bans(@PathVariable String room) {
        Inputs.room(room);
        return broker.bans(room).thenApply(bans -> new Bans(room,
                bans.stream().map(ban -> new BanState(room, ban.user(), ban.until())).toList()));
    }

    /**
     * Makes the message a tombstone: history and resume show it deleted at its offset, and the room's
     * members get a {@code deleted} frame. {@code epoch}, if given, must be the room's.
     */
    @DeleteMapping("/rooms/{room}/messages/{offset}")
    public CompletableFuture<Deleted> delete(@PathVariable String room, @PathVariable long offset,
                                             @RequestParam(required = false) String epoch) {
        Inputs.room(room);
        if (offset < 1) {
            throw new ApiException(HttpStatus.BAD_REQUEST, "an offset is 1 or more");
        }
        return broker.delete(room, offset, epoch == null || epoch.isEmpty() ? null : epoch)
                .thenApply(deleted -> new Deleted(room, deleted.epoch(), offset, deleted.already()));
    }

    /** Seconds (a whole number above 0) or ISO-8601; null for good. */
    private static Duration duration(JsonNode value) {
        if (value == null || value.isNull()) {
            return null;
        }
        Duration duration = null;
        if (value.isIntegralNumber() && value.canConvertToLong()) {
            duration = Duration.ofSeconds(value.longValue());
        } else if (value.isString()) {
            try {
                duration = Duration.parse(value.stringValue());
            } catch (DateTimeParseException e) {
                duration = null;
            }
        }
        if (duration == null || duration.isNegative() || duration.isZero() || duration.compareTo(MAX_BAN) > 0) {
            throw new ApiException(HttpStatus.BAD_REQUEST, "duration is seconds (1 to " + MAX_BAN.toSeconds()
                    + ") or ISO-8601 (PT10M, P7D); leave it out to ban for good");
        }
        return duration;
    }
}
