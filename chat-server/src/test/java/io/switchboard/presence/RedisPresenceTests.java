package io.switchboard.presence;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.broker.BrokerEventHandler;
import io.switchboard.broker.InMemoryBroker;
import io.switchboard.protocol.FrameCodec;
import io.switchboard.protocol.Member;
import io.switchboard.protocol.StoredMessage;
import io.switchboard.support.RedisServer;
import java.time.Clock;
import java.time.Duration;
import java.util.Queue;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.StringRedisTemplate;

class RedisPresenceTests extends PresenceContractTests {

    private static RedisServer redis;
    private static LettuceConnectionFactory connectionFactory;
    private RedisPresence redisPresence;

    @BeforeAll
    static void startRedis() {
        redis = RedisServer.create();
        connectionFactory = new LettuceConnectionFactory(new RedisStandaloneConfiguration("127.0.0.1", redis.port()));
        connectionFactory.afterPropertiesSet();
        connectionFactory.start();
    }

    @AfterAll
    static void stopRedis() {
        connectionFactory.destroy();
        redis.close();
    }

    @Override
    protected Presence createPresence() {
        String prefix = "test-" + UUID.randomUUID().toString().substring(0, 8) + ":";
        redisPresence = new RedisPresence(new StringRedisTemplate(connectionFactory),
                connectionFactory.getRequiredNativeClient(), new InMemoryBroker(10, Duration.ofMinutes(1), Duration.ofDays(1), Duration.ofMinutes(5), 100_000, Clock.systemUTC()),
                new FrameCodec(100), prefix, "node-1", LIST_LIMIT, Duration.ofSeconds(30), Duration.ofMinutes(5));
        redisPresence.start();
        return redisPresence;
    }

    @AfterEach
    void closePresence() {
        redisPresence.stop();
    }

    @Test
    void anEntryNoNodeRefreshesExpiresAndItsRoomIsTold() throws Exception {
        String prefix = "heal-" + UUID.randomUUID().toString().substring(0, 8) + ":";
        StringRedisTemplate template = new StringRedisTemplate(connectionFactory);
        Queue<String> events = new ConcurrentLinkedQueue<>();
        InMemoryBroker broker = new InMemoryBroker(10, Duration.ofMinutes(1), Duration.ofDays(1), Duration.ofMinutes(5), 100_000, Clock.systemUTC());
        broker.setHandler(new BrokerEventHandler() {
            @Override
            public void onPublication(String room, String epoch, StoredMessage message) {
            }

            @Override
            public void onEvent(String room, String frame) {
                events.add(frame);
            }

            @Override
            public void onSubscribed(String room) {
            }
        });
        broker.subscribe("healing").get();
        FrameCodec codec = new FrameCodec(100);
        // what a node that died mid-cleanup (or a restored snapshot) leaves: an entry nobody refreshes
        Member ghost = new Member("ghost-id", "Ghost", "gone-node");
        template.opsForHash().put(prefix + "{healing}:presence", ghost.id(), codec.encodeMember(ghost));
        template.opsForZSet().add(prefix + "{healing}:presence:expiry", ghost.id(), System.currentTimeMillis() - 1);

        RedisPresence alive = new RedisPresence(template, connectionFactory.getRequiredNativeClient(), broker, codec,
                prefix, "alive-node", LIST_LIMIT, Duration.ofMillis(600), Duration.ofMinutes(5));
        alive.start();
        try {
            Member ada = new Member("ada-id", "Ada", "alive-node");
            Roster roster = alive.join("healing", ada).get(10, TimeUnit.SECONDS);
            assertThat(roster.members()).containsExactly(ada);
            assertThat(roster.count()).isEqualTo(1);
            assertThat(events).anyMatch(frame -> frame.contains("\"action\":\"leave\"") && frame.contains("ghost-id"));

            Thread.sleep(2000); // three lifetimes: Ada's node refreshes her entry, so she stays
            assertThat(alive.members("healing").get(10, TimeUnit.SECONDS).members()).containsExactly(ada);
        } finally {
            alive.stop();
        }
        assertThat(template.hasKey(prefix + "{healing}:presence")).isFalse();
        assertThat(template.hasKey(prefix + "{healing}:presence:expiry")).isFalse();
    }
}
