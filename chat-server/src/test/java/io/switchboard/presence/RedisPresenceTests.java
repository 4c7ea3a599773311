package io.switchboard.presence;

import io.switchboard.broker.InMemoryBroker;
import io.switchboard.protocol.FrameCodec;
import io.switchboard.support.RedisServer;
import java.time.Clock;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
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
                connectionFactory.getRequiredNativeClient(), new InMemoryBroker(10, Duration.ofMinutes(1), Duration.ofDays(1), Clock.systemUTC()),
                new FrameCodec(100), prefix, "node-1", LIST_LIMIT);
        redisPresence.start();
        return redisPresence;
    }

    @AfterEach
    void closePresence() {
        redisPresence.stop();
    }
}
