package io.switchboard.support;

import static org.awaitility.Awaitility.await;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.sync.RedisCommands;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * A Redis primary, one replica (or more) and three {@code redis-sentinel} processes watching them as
 * {@value #MASTER}, all real processes on free ports, without persistence. What a Sentinel
 * deployment looks like, small.
 */
public final class RedisSentinels implements AutoCloseable {

    public static final String MASTER = "mymaster";
    /** How many times {@link #start(int)} makes the setup before it gives up. */
    private static final int ATTEMPTS = 3;

    private final Path dir;
    private final int primary = RedisServer.freePort();
    private final int replica = RedisServer.freePort();
    /** More replicas beside the first, each a real process (none by default). */
    private final List<Integer> moreReplicas = new ArrayList<>();
    private final List<Process> moreReplicaProcesses = new ArrayList<>();
    private final List<Integer> sentinels = List.of(RedisServer.freePort(), RedisServer.freePort(), RedisServer.freePort());
    private final List<Process> processes = new ArrayList<>();
    private Process replicaProcess;

    private RedisSentinels(int replicas) throws IOException {
        dir = Files.createTempDirectory("redis-sentinels");
        server(primary);
        replicaProcess = server(replica, "--replicaof", "127.0.0.1", Integer.toString(primary));
        for (int i = 1; i < replicas; i++) {
            int port = RedisServer.freePort();
            moreReplicas.add(port);
            moreReplicaProcesses.add(server(port, "--replicaof", "127.0.0.1", Integer.toString(primary)));
        }
        for (int port : sentinels) {
            Path config = dir.resolve("sentinel-" + port + ".conf");
            Files.writeString(config, String.join("\n",
                    "port " + port, "bind 127.0.0.1", "dir " + dir,
                    "sentinel monitor " + MASTER + " 127.0.0.1 " + primary + " 2",
                    "sentinel down-after-milliseconds " + MASTER + " 1000",
                    "sentinel failover-timeout " + MASTER + " 5000", ""));
            start(List.of("redis-sentinel", config.toString()), "sentinel-" + port);
        }
    }

    /** Starts them and waits until the replica is in sync and every sentinel knows the replica and the others. */
    public static RedisSentinels start() {
        return start(1);
    }

    /**
     * The same with {@code replicas} replicas, each in sync, and known to every sentinel. The ports
     * are free when chosen, but another process may take one before its server binds it (a free port
     * is one the kernel may hand to any outgoing connection): a setup whose processes do not come
     * together is stopped and made again on new ports, at most {@link #ATTEMPTS} times.
     */
    public static RedisSentinels start(int replicas) {
        Command.require("redis-server");
        Command.require("redis-sentinel");
        for (int attempt = 1; ; attempt++) {
            RedisSentinels setup;
            try {
                setup = new RedisSentinels(replicas);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
            try {
                setup.awaitTogether();
                return setup;
            } catch (RuntimeException e) {
                setup.close();
                if (attempt == ATTEMPTS) {
                    throw e;
                }
            }
        }
    }

    private void awaitTogether() {
        for (int port : replicaPorts()) {
            await("replica " + port + " in sync").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(25))
                    .until(() -> on(port, r -> r.info("replication")).contains("master_link_status:up"));
            await("the sentinels know replica " + port).atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(25))
                    .until(() -> redisCli(sentinels.getFirst(), "SENTINEL", "REPLICAS", MASTER)
                    .contains(Integer.toString(port)));
        }
        for (int sentinel : sentinels) {
            await("sentinel " + sentinel + " knows the other two").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(25))
                    .until(() -> redisCli(sentinel, "SENTINEL", "SENTINELS", MASTER)
                    .stream().filter("name"::equals).count() == 2);
        }
    }

    /** {@code spring.data.redis.sentinel.nodes} for these sentinels. */
    public String sentinelNodes() {
        return sentinels.stream().map(port -> "127.0.0.1:" + port).collect(Collectors.joining(","));
    }

    public int primaryPort() {
        return primary;
    }

    public int replicaPort() {
        return replica;
    }

    /** Every replica's port, the first one's first. */
    public List<Integer> replicaPorts() {
        List<Integer> ports = new ArrayList<>(List.of(replica));
        ports.addAll(moreReplicas);
        return ports;
    }

    /** Waits until the sentinels report one of the replicas as the primary and it acts as one; answers its port. */
    public int awaitAnyReplicaPromoted() {
        await("a replica promoted").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(25))
                .until(() -> replicaPorts().contains(reportedPrimaryPort())
                && on(reportedPrimaryPort(), r -> r.info("replication")).contains("role:master"));
        return reportedPrimaryPort();
    }

    /** The port of the primary as the first sentinel reports it now. */
    public int reportedPrimaryPort() {
        return Integer.parseInt(redisCli(sentinels.getFirst(), "SENTINEL", "GET-MASTER-ADDR-BY-NAME", MASTER).get(1));
    }

    /**
     * Asks a sentinel to fail over now (as if the primary had failed), and waits until the replica is
     * the primary and the sentinels have turned the old primary into its replica. (Until then the old
     * primary still takes the writes of clients connected to it, and loses them when it turns.)
     */
    public void failOver() {
        redisCli(sentinels.getFirst(), "SENTINEL", "FAILOVER", MASTER);
        awaitReplicaPromoted();
        await("the old primary a replica").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(25))
                .until(() -> Command.redisCli(primary, "ROLE").startsWith("slave"));
    }

    private static List<String> redisCli(int port, String... command) {
        return Command.redisCli(port, command).lines().toList();
    }

    private <T> T on(int port, Function<RedisCommands<String, String>, T> action) {
        RedisClient client = RedisClient.create(RedisURI.create("127.0.0.1", port));
        try (var connection = client.connect()) {
            return action.apply(connection.sync());
        } finally {
            client.shutdown();
        }
    }

    /**
     * Replication lag, made certain: freezes the replica (SIGSTOP) and cuts its link from the
     * primary's side, so nothing the primary stores from now on reaches it (a frozen process alone
     * would still find the stream in its socket buffer when it wakes).
     */
    public void freezeReplica() {
        Command.signal("STOP", replicaProcess);
        redisCli(primary, "CLIENT", "KILL", "TYPE", "replica");
    }

    /** Lets a frozen replica run again (SIGCONT). */
    public void thawReplica() {
        Command.signal("CONT", replicaProcess);
    }

    /** {@link #freezeReplica()} for every replica: nothing the primary stores from now on reaches any. */
    public void freezeReplicas() {
        Command.signal("STOP", replicaProcess);
        moreReplicaProcesses.forEach(process -> Command.signal("STOP", process));
        redisCli(primary, "CLIENT", "KILL", "TYPE", "replica");
    }

    /** Lets every frozen replica run again. */
    public void thawReplicas() {
        Command.signal("CONT", replicaProcess);
        moreReplicaProcesses.forEach(process -> Command.signal("CONT", process));
    }

    /** Kills the primary (SIGKILL), as a crash would; the sentinels then promote the replica. */
    public void killPrimary() {
        Process first = processes.getFirst();
        first.destroyForcibly();
        await("the primary gone").atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(25))
                .until(() -> !RedisServer.accepting(primary));
    }

    /** Waits until the sentinels report the replica as the primary and it acts as one. */
    public void awaitReplicaPromoted() {
        await("the replica promoted").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(25))
                .until(() -> reportedPrimaryPort() == replica
                && on(replica, r -> r.info("replication")).contains("role:master"));
    }

    /** Kills the replica (SIGKILL): the primary goes on alone. */
    public void stopReplica() {
        replicaProcess.destroyForcibly();
        await("the replica stopped").atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(25))
                .until(() -> !RedisServer.accepting(replica));
    }

    /** Starts the replica again and waits until it is in sync with the primary. */
    public void startReplica() {
        replicaProcess = server(replica, "--replicaof", "127.0.0.1", Integer.toString(primary));
        await("the replica in sync").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(25))
                .until(() -> on(replica, r -> r.info("replication")).contains("master_link_status:up"));
    }

    private Process server(int port, String... extra) {
        List<String> command = new ArrayList<>(List.of("redis-server", "--port", Integer.toString(port),
                "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir.toString()));
        command.addAll(List.of(extra));
        Process process = start(command, "redis-" + port);
        await("redis-server on " + port).atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(25))
                .until(() -> RedisServer.accepting(port));
        return process;
    }

    private Process start(List<String> command, String log) {
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(dir.resolve(log + ".log").toFile()).start();
            processes.add(process);
            return process;
        } catch (IOException e) {
            throw new IllegalStateException("cannot start " + command.getFirst(), e);
        }
    }

    @Override
    public void close() {
        for (Process process : processes) {
            process.destroyForcibly();
        }
        for (Process process : processes) {
            try {
                process.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
