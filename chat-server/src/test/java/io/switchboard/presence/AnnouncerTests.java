package io.switchboard.presence;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.switchboard.broker.BrokerEventHandler;
import io.switchboard.broker.InMemoryBroker;
import io.switchboard.protocol.EventKind;
import io.switchboard.protocol.FrameCodec;
import io.switchboard.protocol.Member;
import io.switchboard.protocol.ServerFrame;
import io.switchboard.protocol.StoredMessage;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The presence rule, held in one place: a frame per join and leave up to the list limit, a paced count above it. */
class AnnouncerTests {

    private static final int LIST_LIMIT = 3;
    private final InMemoryBroker broker = new InMemoryBroker(10, Duration.ofMinutes(1), Duration.ofDays(1),
            Duration.ofMinutes(5), 1000, Clock.systemUTC());
    private final InMemoryPresence presence = new InMemoryPresence(LIST_LIMIT);
    /** Relays each change at once (batch interval 0). */
    private final Announcer announcer = new Announcer(broker, presence, new FrameCodec(100), LIST_LIMIT,
            Duration.ofHours(1), Duration.ZERO, new SimpleMeterRegistry());
    /** Gathers changes until its batches are flushed by hand (the interval never comes: it is not started). */
    private final Announcer batching = new Announcer(broker, presence, new FrameCodec(100), LIST_LIMIT,
            Duration.ofHours(1), Duration.ofHours(1), new SimpleMeterRegistry());
    private final Queue<String> relayed = new ConcurrentLinkedQueue<>();
    private final FrameCodec codec = new FrameCodec(100);

    @BeforeEach
    void listen() {
        broker.setHandler(new BrokerEventHandler() {
            @Override
            public void onPublication(String room, String epoch, StoredMessage message) {
            }

            @Override
            public void onEvent(String room, EventKind kind, String frame) {
                relayed.add(kind + " " + frame);
            }

            @Override
            public void onSubscribed(String room) {
            }
        });
        broker.subscribe("r").join();
    }

    @Test
    void aRoomWithinTheLimitIsToldOfEachJoinAndLeave() {
        Member ada = member("ada");
        Member bob = member("bob");
        announcer.joined("r", ada, 1);
        announcer.left("r", List.of(ada, bob), 1); // three members before: still within the limit

        assertThat(relayed).hasSize(3).allMatch(frame -> frame.startsWith("PRESENCE {\"type\":\"presence\""));
        assertThat(relayed).element(0, org.assertj.core.api.InstanceOfAssertFactories.STRING)
                .contains("\"action\":\"join\"").contains("ada-id");
        assertThat(relayed).element(2, org.assertj.core.api.InstanceOfAssertFactories.STRING)
                .contains("\"action\":\"leave\"").contains("bob-id");
        announcer.flush();
        assertThat(relayed).as("no count for a room within the limit").hasSize(3);
    }

    @Test
    void aLargerRoomGetsOneCountPerIntervalWithTheCountOfThatMoment() {
        for (int i = 1; i <= LIST_LIMIT + 3; i++) {
            presence.join("r", member("m" + i)).join();
        }
        announcer.joined("r", member("m" + (LIST_LIMIT + 1)), LIST_LIMIT + 1);
        announcer.joined("r", member("m" + (LIST_LIMIT + 2)), LIST_LIMIT + 2);
        announcer.left("r", List.of(member("gone")), LIST_LIMIT + 3);
        assertThat(relayed).as("nothing before the interval").isEmpty();

        announcer.flush();
        assertThat(relayed).containsExactly(
                "PRESENCE {\"type\":\"presence\",\"room\":\"r\",\"action\":\"count\",\"memberCount\":" + (LIST_LIMIT + 3) + "}");
        announcer.flush();
        assertThat(relayed).as("nothing changed since").hasSize(1);
    }

    @Test
    void changesWithinTheBatchIntervalAreRelayedAsOneFrame() {
        batching.joined("r", member("ada"), 1);
        batching.joined("r", member("bob"), 2);
        batching.left("r", List.of(member("cy")), 1);
        assertThat(relayed).as("nothing before the interval").isEmpty();

        batching.flushChanges();

        assertThat(relayed).containsExactly("PRESENCE {\"type\":\"presence\",\"room\":\"r\",\"action\":\"batch\","
                + "\"joins\":[" + json("ada") + "," + json("bob") + "],\"leaves\":[" + json("cy") + "]}");
        batching.flushChanges();
        assertThat(relayed).as("nothing gathered since").hasSize(1);
    }

    @Test
    void aSingleChangeInAnIntervalKeepsTheSingleForm() {
        batching.left("r", List.of(member("ada")), 0);
        batching.flushChanges();
        batching.joined("r", member("bob"), 1);
        batching.flushChanges();

        assertThat(relayed).containsExactly(
                "PRESENCE {\"type\":\"presence\",\"room\":\"r\",\"action\":\"leave\",\"member\":" + json("ada") + "}",
                "PRESENCE {\"type\":\"presence\",\"room\":\"r\",\"action\":\"join\",\"member\":" + json("bob") + "}");
    }

    @Test
    void aMemberWhoCameAndWentIsInBothListsAndOneWhoWentAndCameBackOnlyAmongTheJoins() {
        batching.joined("r", member("ada"), 1);
        batching.left("r", List.of(member("ada")), 0); // someone may have seen ada in a joined list meanwhile
        batching.left("r", List.of(member("bob")), 0);
        batching.joined("r", member("bob"), 1);
        batching.flushChanges();

        assertThat(relayed).containsExactly("PRESENCE {\"type\":\"presence\",\"room\":\"r\",\"action\":\"batch\","
                + "\"joins\":[" + json("ada") + "," + json("bob") + "],\"leaves\":[" + json("ada") + "]}");
    }

    @Test
    void stoppingRelaysWhatWasGathered() {
        batching.start();
        batching.left("r", List.of(member("ada"), member("bob")), 0);
        batching.stop();

        assertThat(relayed).containsExactly("PRESENCE {\"type\":\"presence\",\"room\":\"r\",\"action\":\"batch\","
                + "\"joins\":[],\"leaves\":[" + json("ada") + "," + json("bob") + "]}");
    }

    @Test
    void framesOfOneRoomArrivingTogetherReachItsMembersAsOneAppliedInTurn() {
        Queue<String> delivered = new ConcurrentLinkedQueue<>();
        Announcer started = new Announcer(broker, presence, codec, LIST_LIMIT, Duration.ofHours(1),
                Duration.ofSeconds(1), new SimpleMeterRegistry());
        started.start();
        try {
            // one node's beat: ada and bob came; another's: ada went, cy came, dee came and went
            started.arrived("r", codec.encode(ServerFrame.PresenceBatch.of("r", List.of(member("ada"), member("bob")),
                    List.of())), delivered::add);
            started.arrived("r", codec.encode(ServerFrame.PresenceBatch.of("r", List.of(member("cy"), member("dee")),
                    List.of(member("ada"), member("dee")))), delivered::add);
            started.arrived("other", codec.encode(new ServerFrame.Presence("other", "join", member("eve"))),
                    delivered::add);
            // and a third frame brings ada back
            started.arrived("r", codec.encode(new ServerFrame.Presence("r", "join", member("ada"))), delivered::add);

            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> delivered.size() == 2);
            assertThat(delivered).containsExactlyInAnyOrder(
                    "{\"type\":\"presence\",\"room\":\"r\",\"action\":\"batch\",\"joins\":[" + json("ada") + ","
                            + json("bob") + "," + json("cy") + "," + json("dee") + "],\"leaves\":[" + json("dee") + "]}",
                    "{\"type\":\"presence\",\"room\":\"other\",\"action\":\"join\",\"member\":" + json("eve") + "}");
        } finally {
            started.stop();
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"{\"type\":\"presence\",\"room\":\"r\",\"action\":\"count\",\"memberCount\":7}",
            "{\"type\":\"presence\",\"room\":\"r\",\"action\":\"join\"}", "{\"type\":\"presence\",\"room\":"})
    void aFrameThatIsNoJoinOrLeaveLeavesEveryFrameOfItsWindowAsItCame(String other) {
        Queue<String> delivered = new ConcurrentLinkedQueue<>();
        Announcer started = new Announcer(broker, presence, codec, LIST_LIMIT, Duration.ofHours(1),
                Duration.ofSeconds(1), new SimpleMeterRegistry());
        started.start();
        List<String> frames = List.of(codec.encode(new ServerFrame.Presence("r", "join", member("ada"))), other,
                codec.encode(new ServerFrame.Presence("r", "leave", member("bob"))));
        try {
            frames.forEach(frame -> started.arrived("r", frame, delivered::add));
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> delivered.size() == 3);
            assertThat(delivered).containsExactlyElementsOf(frames);
        } finally {
            started.stop();
        }
    }

    @Test
    void withoutBatchesOrOnceStoppedAnArrivingFrameGoesAtOnce() {
        Queue<String> delivered = new ConcurrentLinkedQueue<>();
        String frame = codec.encode(new ServerFrame.Presence("r", "join", member("ada")));
        announcer.start();
        announcer.arrived("r", frame, delivered::add);
        announcer.stop();
        batching.arrived("r", frame, delivered::add); // not started, or stopped

        assertThat(delivered).containsExactly(frame, frame);
    }

    private static String json(String name) {
        return "{\"id\":\"" + name + "-id\",\"name\":\"" + name + "\",\"node\":\"n1\"}";
    }

    private static Member member(String name) {
        return new Member(name + "-id", name, "n1");
    }
}
