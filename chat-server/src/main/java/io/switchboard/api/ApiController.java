package io.switchboard.api;

import io.switchboard.broker.Broker;
import io.switchboard.broker.HistoryPage;
import io.switchboard.broker.RoomPage;
import io.switchboard.config.NodeId;
import io.switchboard.config.SwitchboardProperties;
import io.switchboard.presence.Presence;
import io.switchboard.presence.Roster;
import io.switchboard.protocol.FrameCodec;
import io.switchboard.protocol.Member;
import io.switchboard.protocol.StoredMessage;
import io.switchboard.room.Rooms;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestAttribute;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.annotation.JsonDeserialize;

/**
 * The server API's calls (docs/api.md) on rooms and messages: post into rooms, broadcast, read a
 * room's history and its state ({@link ModerationController} has bans, deletions and disconnects). Messages posted here are stored and delivered exactly as a client's are (offset, epoch,
 * resume); a repeated {@code idempotencyKey} answers the first result and stores nothing. Nothing
 * waits for Redis: each call answers when its commands do.
 */
@RestController
@RequestMapping(path = "/api", produces = MediaType.APPLICATION_JSON_VALUE)
final class ApiController {

    private static final int MAX_HISTORY = 100;
    private static final int MAX_ROOMS_PAGE = 1000;

    private final Rooms rooms;
    private final Broker broker;
    private final Presence presence;
    private final FrameCodec codec;
    private final NodeId node;
    private final int maxBroadcastRooms;

    ApiController(Rooms rooms, Broker broker, Presence presence, FrameCodec codec, NodeId node,
                  SwitchboardProperties properties) {
        this.rooms = rooms;
        this.broker = broker;
        this.presence = presence;
        this.codec = codec;
        this.node = node;
        this.maxBroadcastRooms = properties.api().maxBroadcastRooms();
    }

    /** {@code POST /api/rooms/{room}/messages}: the body of a message to post. */
    record NewMessage(@JsonDeserialize(using = StrictJson.Text.class) String text,
                      @JsonDeserialize(using = StrictJson.Text.class) String sender,
                      @JsonDeserialize(using = StrictJson.Text.class) String idempotencyKey) {}

    /** {@code POST /api/messages}: one message into each of {@code rooms}. */
    record Broadcast(@JsonDeserialize(contentUsing = StrictJson.Text.class) List<String> rooms,
                     @JsonDeserialize(using = StrictJson.Text.class) String text,
                     @JsonDeserialize(using = StrictJson.Text.class) String sender,
                     @JsonDeserialize(using = StrictJson.Text.class) String idempotencyKey) {}

    /** Where a posted message was stored; {@code duplicate}: an earlier call with its idempotency key stored it. */
    record Posted(String room, String epoch, long offset, boolean duplicate) {}

    /** A broadcast's outcome per room: {@code error} says why a room's message was not stored (retry the call). */
    record RoomResult(String room, String epoch, Long offset, Boolean duplicate, String error) {}

    record BroadcastResult(List<RoomResult> rooms) {}

    /** A room as the cluster sees it; {@code members} is listed up to the presence list limit, else null. */
    record RoomState(String room, String epoch, long lastOffset, long firstOffset, int memberCount,
                     List<Member> members) {}

    @PostMapping(path = "/rooms/{room}/messages", consumes = MediaType.APPLICATION_JSON_VALUE)
    public CompletableFuture<ResponseEntity<Posted>> post(@PathVariable String room, @RequestBody NewMessage message,
                                                          @RequestAttribute(ApiKeys.KEY_NAME) String key) {
        Inputs.room(room);
        String text = text(message.text());
        Member sender = sender(key, message.sender());
        String dedupe = dedupeKey(key, message.idempotencyKey());
        return rooms.post(room, sender, text, dedupe).thenApply(stored -> ResponseEntity
                .status(stored.duplicate() ? HttpStatus.OK : HttpStatus.CREATED)
                .body(new Posted(room, stored.epoch(), stored.offset(), stored.duplicate())));
    }

    @PostMapping(path = "/messages", consumes = MediaType.APPLICATION_JSON_VALUE)
    public CompletableFuture<BroadcastResult> broadcast(@RequestBody Broadcast broadcast,
                                                        @RequestAttribute(ApiKeys.KEY_NAME) String key) {
        if (broadcast.rooms() == null || broadcast.rooms().isEmpty() || broadcast.rooms().size() > maxBroadcastRooms) {
            throw new ApiException(HttpStatus.BAD_REQUEST, "rooms must list 1-" + maxBroadcastRooms + " rooms");
        }
        broadcast.rooms().forEach(Inputs::room);
        String text = text(broadcast.text());
        Member sender = sender(key, broadcast.sender());
        // one idempotency key for the call: a retry stores the rooms the first call missed, and only those
        String dedupe = dedupeKey(key, broadcast.idempotencyKey());
        List<CompletableFuture<RoomResult>> results = new ArrayList<>();
        for (String room : new LinkedHashSet<>(broadcast.rooms())) {
            results.add(rooms.post(room, sender, text, dedupe).handle((stored, error) -> error == null
                    ? new RoomResult(room, stored.epoch(), stored.offset(), stored.duplicate(), null)
                    : new RoomResult(room, null, null, null, "not stored: the node cannot reach Redis now; retry")));
        }
        return CompletableFuture.allOf(results.toArray(CompletableFuture[]::new))
                .thenApply(done -> new BroadcastResult(results.stream().map(CompletableFuture::join).toList()));
    }

    /** A page of the room's history, oldest first, as the protocol's {@code history} frame has it. */
    @GetMapping("/rooms/{room}/messages")
    public CompletableFuture<ResponseEntity<String>> history(@PathVariable String room,
                                                             @RequestParam(defaultValue = "0") long before,
                                                             @RequestParam(defaultValue = "50") int limit) {
        Inputs.room(room);
        if (before < 0 || limit < 1 || limit > MAX_HISTORY) {
            throw new ApiException(HttpStatus.BAD_REQUEST,
                    "before must be 0 (the newest) or an offset, limit 1-" + MAX_HISTORY);
        }
        return broker.open(room, 0, 0, false, null).thenCompose(exists -> broker.before(room, before, limit))
                .thenApply(page -> ResponseEntity.ok().contentType(MediaType.APPLICATION_JSON)
                        .body(codec.history(room, page.epoch(), page.messages(), hasMore(page), null)));
    }

    /** The rooms that exist, a page at a time ({@link Broker#rooms}): {@code next} is the next page's cursor. */
    @GetMapping("/rooms")
    public CompletableFuture<RoomPage> rooms(@RequestParam(required = false) String cursor,
                                             @RequestParam(defaultValue = "100") int limit) {
        if (limit < 1 || limit > MAX_ROOMS_PAGE) {
            throw new ApiException(HttpStatus.BAD_REQUEST, "limit must be 1-" + MAX_ROOMS_PAGE);
        }
        return broker.rooms(cursor == null || cursor.isEmpty() ? null : cursor, limit);
    }

    @GetMapping("/rooms/{room}")
    public CompletableFuture<RoomState> room(@PathVariable String room) {
        Inputs.room(room);
        CompletableFuture<Roster> roster = presence.members(room);
        return broker.open(room, 0, 0, false, null).thenCombine(roster, (page, members) -> new RoomState(room,
                page.epoch(), page.offset(), page.firstOffset(), members.count(),
                members.members().size() == members.count() ? members.members() : null));
    }

    private static boolean hasMore(HistoryPage page) {
        List<StoredMessage> messages = page.messages();
        return !messages.isEmpty() && messages.getFirst().offset() > page.firstOffset();
    }

    private String text(String text) {
        if (text == null || text.isBlank() || text.length() > codec.maxTextLength()) {
            throw new ApiException(HttpStatus.BAD_REQUEST,
                    "text must be 1-" + codec.maxTextLength() + " characters and not blank");
        }
        return text;
    }

    /** The message's sender: the name given, else the key's; its id says it came through the API. */
    private Member sender(String key, String name) {
        String shown = name == null ? key : name.strip();
        if (!FrameCodec.isName(shown)) {
            throw new ApiException(HttpStatus.BAD_REQUEST,
                    "sender must be 1-" + FrameCodec.MAX_NAME + " characters without control characters");
        }
        return new Member("api:" + key, shown, node.value());
    }

    /** Idempotency keys are the key's own: two keys never collide. Without one, every call stores. */
    private static String dedupeKey(String key, String idempotencyKey) {
        if (idempotencyKey == null) {
            return "api:" + key + "/" + UUID.randomUUID();
        }
        if (!FrameCodec.isId(idempotencyKey)) { // a clientMsgId's rules
            throw new ApiException(HttpStatus.BAD_REQUEST, "idempotencyKey must be 1-64 characters of A-Z a-z 0-9 _ - . :");
        }
        return "api:" + key + "/" + idempotencyKey;
    }
}
