package io.switchboard.bench.support;

import io.switchboard.support.Command;
import io.switchboard.support.RedisServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

/** The Socket.IO peer (chat-bench/peers/socketio) as processes started by its own start.sh, on one Redis. */
public final class SocketIoPeers implements AutoCloseable {

    private static final Path DIR = Command.ROOT.resolve("chat-bench/peers/socketio");
    private static final long START_SECONDS = 180;

    private final Path pidFile;
    private final int basePort;
    private final int count;

    /** Skips the test without node and npm (fails it under CI=true), then starts {@code count} processes. */
    public SocketIoPeers(RedisServer redis, int count) {
        Command.require("node");
        Command.require("npm");
        this.count = count;
        this.basePort = freeRange(count);
        try {
            pidFile = Files.createTempDirectory("socketio-peers").resolve("peers.pid");
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        Command.Result started = Command.run(List.of(DIR.resolve("start.sh").toString(), Integer.toString(count),
                Integer.toString(basePort)), env(redis), START_SECONDS);
        if (started.exitCode() != 0) {
            throw new IllegalStateException("start.sh failed:\n" + started.output());
        }
    }

    private Map<String, String> env(RedisServer redis) {
        return Map.of("REDIS_URL", "redis://127.0.0.1:" + redis.port(), "PIDFILE", pidFile.toString(),
                "HOST", "127.0.0.1");
    }

    /** A base port with {@code count} free ports from it. */
    private static int freeRange(int count) {
        while (true) {
            int base = RedisServer.freePort();
            if (IntStream.range(1, count).allMatch(i -> free(base + i))) {
                return base;
            }
        }
    }

    private static boolean free(int port) {
        try (java.net.ServerSocket socket = new java.net.ServerSocket(port)) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** Each peer process's address (chat-bench adds the Engine.IO path). */
    public List<String> urls() {
        return IntStream.range(0, count).mapToObj(i -> "ws://127.0.0.1:" + (basePort + i)).toList();
    }

    @Override
    public void close() {
        Command.run(List.of(DIR.resolve("stop.sh").toString()), Map.of("PIDFILE", pidFile.toString()), 30);
    }
}
