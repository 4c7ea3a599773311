package io.switchboard.presence;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.lettuce.core.Range;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.switchboard.broker.Ban;
import io.switchboard.broker.BannedException;
import io.switchboard.broker.NoSuchRoomException;
import io.switchboard.broker.PublishResult;
import io.switchboard.broker.RedisBroker;
import io.switchboard.protocol.FrameCodec;
import io.switchboard.protocol.RoomEventType;
import io.switchboard.protocol.StoredMessage;
import io.switchboard.redis.RoomEventCapture;
import io.switchboard.protocol.Member;
import io.switchboard.redis.RedisCommandConnection;
import io.switchboard.redis.RedisKeys;
import io.switchboard.support.RedisServer;
import io.switchboard.support.Unique;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class RedisPresenceTests extends PresenceContractTests {

    private static final FrameCodec CODEC = new FrameCodec(100);
    private static RedisServer redis;
    private static RedisClient client;
    private static RedisCommands<String, String> raw;
    private final List<AutoCloseable> opened = new ArrayList<>();

    @BeforeAll
    static void startRedis() {
        redis = RedisServer.create();
        client = RedisClient.create(RedisURI.create("127.0.0.1", redis.port()));
        raw = client.connect().sync();
    }

    @AfterAll
    static void stopRedis() {
        client.shutdown();
        redis.close();
    }

    @Override
    protected Presence createPresence() {
        return store(new RedisKeys(Unique.prefix("test")), "node-1",
                Duration.ofSeconds(30));
    }

    private RedisPresence store(RedisKeys keys, String node, Duration ttl) {
        // every room event recorded, as with webhooks configured: the script's event appends run too
        RedisPresence store = new RedisPresence(RedisCommandConnection.open(client), CODEC, keys, node, LIST_LIMIT, ttl,
                Duration.ofMinutes(5), new io.switchboard.redis.RoomEventCapture(
                        java.util.EnumSet.allOf(io.switchboard.protocol.RoomEventType.class), keys, client, Duration.ofDays(1)));
        opened.add(store);
        return store;
    }

    @AfterEach
    void close() throws Exception {
        for (AutoCloseable each : opened.reversed()) {
            each.close();
        }
    }

    @Test
    void anEntryNoNodeRefreshesExpiresAndItsRoomIsTold() throws Exception {
        RedisKeys keys = new RedisKeys(Unique.prefix("heal"));
        // what a node that died mid-cleanup (or a restored snapshot) leaves: an entry nobody refreshes
        Member ghost = new Member("ghost-id", "Ghost", "gone-node");
        raw.hset(keys.presence("healing"), ghost.id(), CODEC.encodeMember(ghost));
        raw.zadd(keys.presenceExpiry("healing"), System.currentTimeMillis() - 1, ghost.id());

        RedisPresence alive = store(keys, "alive-node", Duration.ofMillis(600));
        Queue<String> told = new ConcurrentLinkedQueue<>();
        alive.onExpired((room, members, remaining) -> members.forEach(m -> told.add(room + ":" + m.id() + ":" + remaining)));
        PresenceRefresher refresher = new PresenceRefresher(alive, Duration.ofMillis(600), new SimpleMeterRegistry());
        refresher.start();
        PresenceReaper reaper = new PresenceReaper(alive, (room, members, remaining) -> { }, "alive-node");
        reaper.start();
        try {
            Member ada = new Member("ada-id", "Ada", "alive-node");
            Roster roster = alive.join("healing", ada).get(10, TimeUnit.SECONDS);
            assertThat(roster.members()).containsExactly(ada);
            assertThat(roster.count()).isEqualTo(1);
            assertThat(told).containsExactly("healing:ghost-id:1");

            Thread.sleep(2000); // three lifetimes: Ada's node refreshes her entry, so she stays
            assertThat(alive.members("healing").get(10, TimeUnit.SECONDS).members()).containsExactly(ada);
        } finally {
            refresher.stop();
            reaper.stop(); // a clean stop removes what is left of the node's own members
        }
        assertThat(raw.exists(keys.presence("healing"), keys.presenceExpiry("healing"), keys.nodeMembers("alive-node")))
                .isZero();
    }

    @Test
    void openingARoomReadsItsPageAndAddsTheJoinerInOneScriptOrAddsNobodyWhenTheReadIsRefused() throws Exception {
        String prefix = Unique.prefix("open");
        RedisKeys keys = new RedisKeys(prefix);
        RedisPresence presence = store(keys, "node-1", Duration.ofSeconds(30));
        RedisBroker broker = new RedisBroker(client, prefix, 100, Duration.ofMinutes(1), Duration.ofHours(1),
                Duration.ofMinutes(5), 0, Duration.ofSeconds(1), new RoomEventCapture(EnumSet.allOf(RoomEventType.class),
                keys, client, Duration.ofDays(1)), new SimpleMeterRegistry());
        opened.add(broker);
        Member ada = new Member("ada-id", "Ada", "node-1", "ada");
        Member bob = new Member("bob-id", "Bob", "node-1", "bob");
        Member eve = new Member("eve-id", "Eve", "node-1", "eve");
        presence.open(broker, "lobby", ada, 0, 10, true).get(10, TimeUnit.SECONDS);
        PublishResult first = broker.publish("lobby", "m1", "{\"text\":\"one\"}", "ada").get(10, TimeUnit.SECONDS);
        broker.publish("lobby", "m2", "{\"text\":\"two\"}", "ada").get(10, TimeUnit.SECONDS);

        Presence.Opened opened = presence.open(broker, "lobby", bob, 1, 10, false).get(10, TimeUnit.SECONDS);
        assertThat(opened.page().epoch()).isEqualTo(first.epoch());
        assertThat(opened.page().offset()).isEqualTo(2);
        assertThat(opened.page().messages()).extracting(StoredMessage::offset).containsExactly(2L);
        assertThat(opened.roster().members()).containsExactlyInAnyOrder(ada, bob);
        assertThat(opened.roster().count()).isEqualTo(2);
        assertThat(raw.smembers(keys.nodeMembers("node-1"))).contains("lobby\nbob-id");

        broker.ban("lobby", new Ban("eve", Instant.now().plus(Duration.ofMinutes(10)))).get(10, TimeUnit.SECONDS);
        assertThatThrownBy(() -> presence.open(broker, "lobby", eve, 0, 10, true).get(10, TimeUnit.SECONDS))
                .hasCauseInstanceOf(BannedException.class);
        assertThatThrownBy(() -> presence.open(broker, "never-made", eve, 0, 10, false).get(10, TimeUnit.SECONDS))
                .hasCauseInstanceOf(NoSuchRoomException.class);
        assertThat(presence.members("lobby").get(10, TimeUnit.SECONDS).members()).as("the banned joiner never added")
                .containsExactlyInAnyOrder(ada, bob);
        assertThat(raw.exists(keys.presence("never-made"), keys.meta("never-made"))).isZero();
        assertThat(raw.xrange(keys.events("lobby"), Range.create("-", "+"))).as("the room's events")
                .extracting(event -> event.getBody().get("t") + " " + event.getBody().get("d"))
                .noneMatch(event -> event.contains("eve-id"))
                .anyMatch(event -> event.startsWith("member.joined") && event.contains("bob-id"));
    }

    @Test
    void theReaperRemovesADeadNodesMembersAndTellsEachRoomWhoLeft() throws Exception {
        RedisKeys keys = new RedisKeys(Unique.prefix("reap"));
        RedisPresence dead = store(keys, "dead-node", Duration.ofSeconds(30));
        RedisPresence alive = store(keys, "alive-node", Duration.ofSeconds(30));
        Member ada = new Member("ada-id", "Ada", "dead-node");
        Member bob = new Member("bob-id", "Bob", "dead-node");
        Member cy = new Member("cy-id", "Cy", "alive-node");
        dead.join("one", ada).get(10, TimeUnit.SECONDS);
        dead.join("one", bob).get(10, TimeUnit.SECONDS);
        dead.join("two", ada).get(10, TimeUnit.SECONDS);
        alive.join("one", cy).get(10, TimeUnit.SECONDS);

        Queue<String> told = new ConcurrentLinkedQueue<>();
        PresenceReaper reaper = new PresenceReaper(alive, (room, members, remaining) ->
                told.add(room + ":" + members.stream().map(Member::id).sorted().toList() + ":" + remaining), "alive-node");
        reaper.nodeDied("dead-node");

        await("both rooms told").atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(25)).until(() -> told.size() == 2);
        assertThat(told).containsExactlyInAnyOrder("one:[ada-id, bob-id]:1", "two:[ada-id]:0");
        assertThat(alive.members("one").get(10, TimeUnit.SECONDS).members()).containsExactly(cy);
        assertThat(raw.exists(keys.nodeMembers("dead-node"), keys.presence("two"))).isZero();
    }

    @Test
    void changesMadeWhileABatchIsOnItsWayAreWrittenTogetherInTheOrderTheyWereMade() throws Exception {
        String key = Unique.prefix("index") + "node:n1:members";
        try (StatefulRedisConnection<String, String> connection = client.connect()) {
            MemberIndex index = new MemberIndex(connection.async(), key, future -> future);
            long addsBefore = calls("sadd");
            long removesBefore = calls("srem");
            // Redis holds writes for a second: the first change is on its way, unanswered, while the rest are made
            raw.clientPause(1000);
            List<CompletableFuture<Void>> written = new ArrayList<>();
            written.add(index.add("lobby", "m0"));
            IntStream.range(1, 100).forEach(i -> written.add(index.add("lobby", "m" + i)));
            written.add(index.remove("lobby", "m5"));
            written.add(index.add("lobby", "m5")); // the later change wins
            written.add(index.remove("lobby", "m0")); // removes what the first batch adds
            written.add(index.add("other", "m0"));
            written.add(index.remove("other", "m0"));
            CompletableFuture.allOf(written.toArray(CompletableFuture[]::new)).get(10, TimeUnit.SECONDS);

            List<String> expected = IntStream.range(1, 100).mapToObj(i -> MemberIndex.entry("lobby", "m" + i)).toList();
            assertThat(raw.smembers(key)).containsExactlyInAnyOrderElementsOf(expected);
            assertThat(calls("sadd") - addsBefore).as("SADD commands").isEqualTo(2);
            assertThat(calls("srem") - removesBefore).as("SREM commands").isEqualTo(1);
        }
    }

    @Test
    void aChangeAloneIsWrittenAtOnce() throws Exception {
        String key = Unique.prefix("index") + "node:n1:members";
        try (StatefulRedisConnection<String, String> connection = client.connect()) {
            MemberIndex index = new MemberIndex(connection.async(), key, future -> future);
            index.add("lobby", "ada").get(10, TimeUnit.SECONDS);
            assertThat(raw.smembers(key)).containsExactly(MemberIndex.entry("lobby", "ada"));
            index.remove("lobby", "ada").get(10, TimeUnit.SECONDS);
            assertThat(raw.exists(key)).isZero();
        }
    }

    /** How many times Redis ran the command, from {@code INFO commandstats}. */
    private static long calls(String command) {
        Matcher calls = Pattern.compile("cmdstat_" + command + ":calls=(\\d+)").matcher(raw.info("commandstats"));
        return calls.find() ? Long.parseLong(calls.group(1)) : 0;
    }
}
