package io.switchboard.broker;

import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import io.lettuce.core.resource.NettyCustomizer;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.switchboard.support.RedisServer;
import io.switchboard.support.Unique;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The node's Redis connections send commands written together in one flush ({@code switchboardFlushConsolidation}). */
class FlushConsolidationTests {

    @Test
    void commandsWrittenTogetherReachTheSocketInOneFlushAndACommandAloneIsSentAtOnce() throws Exception {
        DefaultClientResources.Builder configured = DefaultClientResources.builder();
        new BrokerConfiguration.Redis().switchboardFlushConsolidation().customize(configured);
        ClientResources withOurs = configured.build();
        NettyCustomizer ours = withOurs.nettyCustomizer();
        withOurs.shutdown(0, 1, TimeUnit.SECONDS);

        // counts the flushes that reach the socket: the handler nearest to it, past the node's own
        FlushCounter socket = new FlushCounter();
        ClientResources resources = DefaultClientResources.builder().nettyCustomizer(new NettyCustomizer() {
            @Override
            public void afterChannelInitialized(Channel channel) {
                ours.afterChannelInitialized(channel);
                channel.pipeline().addFirst(socket);
            }
        }).build();
        RedisServer redis = RedisServer.create();
        RedisClient client = RedisClient.create(resources, RedisURI.create("127.0.0.1", redis.port()));
        try (StatefulRedisConnection<String, String> connection = client.connect()) {
            RedisAsyncCommands<String, String> commands = connection.async();
            String key = Unique.prefix("flush") + "count";

            // alone, from a thread of its own: answered without waiting for another command
            assertThat(commands.incr(key).get(10, TimeUnit.SECONDS)).isEqualTo(1);

            // a hundred written by one task on the connection's loop, as a storm's commands arrive queued there
            int before = socket.flushes.get();
            List<RedisFuture<Long>> answers = new ArrayList<>();
            socket.context.executor().submit(() -> {
                for (int i = 0; i < 100; i++) {
                    answers.add(commands.incr(key));
                }
            }).get(10, TimeUnit.SECONDS);
            for (int i = 0; i < 100; i++) {
                assertThat(answers.get(i).get(10, TimeUnit.SECONDS)).as("answer %d", i).isEqualTo(i + 2);
            }
            assertThat(socket.flushes.get() - before).as("flushes reaching the socket").isEqualTo(1);
        } finally {
            client.shutdown();
            resources.shutdown(0, 1, TimeUnit.SECONDS);
            redis.close();
        }
    }

    private static final class FlushCounter extends ChannelOutboundHandlerAdapter {

        final AtomicInteger flushes = new AtomicInteger();
        volatile ChannelHandlerContext context;

        @Override
        public void handlerAdded(ChannelHandlerContext context) {
            this.context = context;
        }

        @Override
        public void flush(ChannelHandlerContext context) {
            flushes.incrementAndGet();
            context.flush();
        }
    }
}
