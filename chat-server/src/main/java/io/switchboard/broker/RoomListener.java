package io.switchboard.broker;

import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.switchboard.redis.RedisKeys;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where {@link RedisBroker}'s pub/sub traffic arrives, on Lettuce's I/O thread: parsed
 * ({@link RoomChannelPayload}) and handed to the handler, never blocking.
 */
final class RoomListener extends RedisPubSubAdapter<String, String> {

    private static final Logger log = LoggerFactory.getLogger(RedisBroker.class);

    private final String prefix;
    private final RedisKeys keys;
    /** Null for one Redis or Sentinel. */
    private final ShardedSubscriptions sharded;
    volatile BrokerEventHandler handler;

    RoomListener(String prefix, RedisKeys keys, ShardedSubscriptions sharded) {
        this.prefix = prefix;
        this.keys = keys;
        this.sharded = sharded;
    }

    @Override
    public void message(String channel, String payload) {
        BrokerEventHandler h = handler;
        if (h == null || !channel.startsWith(prefix)) {
            return;
        }
        if (!RoomChannelPayload.dispatch(keys.roomOf(channel), payload, h)) {
            log.warn("Ignoring a malformed payload on {}", channel);
        }
    }

    @Override
    public void subscribed(String channel, long count) {
        BrokerEventHandler h = handler;
        if (h != null && channel.startsWith(prefix)) {
            h.onSubscribed(keys.roomOf(channel));
        }
    }

    @Override
    public void smessage(String channel, String payload) {
        message(channel, payload);
    }

    @Override
    public void ssubscribed(String channel, long count) {
        subscribed(channel, count);
    }

    /** The server dropped a shard channel (its slot moved): subscribe again on the slot's new owner. */
    @Override
    public void sunsubscribed(String channel, long count) {
        if (sharded != null) {
            sharded.moved(channel);
        }
    }
}
