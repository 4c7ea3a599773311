package io.switchboard.support;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * A real Redis Cluster on this machine: six {@code redis-server} processes in cluster mode (three
 * primaries, each with a replica), joined with {@code redis-cli --cluster create}, on free ports,
 * without persistence.
 */
public final class RedisClusterProcesses implements AutoCloseable {

    private final Path dir;
    private final List<Integer> ports = new ArrayList<>();
    private final Map<Integer, Process> processes = new HashMap<>();

    private RedisClusterProcesses() throws IOException {
        dir = Files.createTempDirectory("redis-cluster");
        for (int i = 0; i < 6; i++) {
            startNode();
        }
        List<String> create = new ArrayList<>(List.of("redis-cli", "--cluster", "create"));
        ports.forEach(port -> create.add("127.0.0.1:" + port));
        create.addAll(List.of("--cluster-replicas", "1", "--cluster-yes"));
        Command.Result created = Command.run(create, Map.of(), 60);
        if (created.exitCode() != 0) {
            throw new IllegalStateException("redis-cli --cluster create failed: " + created.output());
        }
        for (int port : ports) {
            await("cluster state ok on " + port).atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(25))
                    .until(() -> Command.redisCli(port, "CLUSTER", "INFO").contains("cluster_state:ok"));
        }
    }

    /**
     * Starts one cluster node on a port whose cluster bus port (the port plus 10,000) is free too,
     * both below the kernel's ephemeral range so that no test's outgoing connection takes one of them
     * between the check and redis-server's bind; a node that still cannot bind (it exits) is started
     * again on other ports.
     */
    private void startNode() throws IOException {
        for (int attempt = 1; ; attempt++) {
            int port = clusterPort();
            Path log = dir.resolve("redis-" + port + ".log");
            Process process = new ProcessBuilder(List.of("redis-server", "--port", Integer.toString(port),
                    "--bind", "127.0.0.1", "--cluster-enabled", "yes", "--cluster-config-file", "nodes-" + port + ".conf",
                    "--cluster-node-timeout", "1000",
                    // a replica may take over however long ago it last heard from its primary (the primary of
                    // a quiet test cluster pings only every 10 s)
                    "--cluster-replica-validity-factor", "0", "--save", "", "--appendonly", "no", "--dir", dir.toString()))
                    .redirectErrorStream(true).redirectOutput(log.toFile()).start();
            await("redis-server on " + port).atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(25))
                    .until(() -> RedisServer.accepting(port) || !process.isAlive());
            if (process.isAlive()) {
                ports.add(port);
                processes.put(port, process);
                return;
            }
            if (attempt == 5) {
                throw new IllegalStateException("redis-server on " + port + " exited: " + Files.readString(log));
            }
        }
    }

    /** A port in 20000-22767 that is free, with its bus port (30000-32767) free too, and not one of ours. */
    private int clusterPort() {
        while (true) {
            int port = ThreadLocalRandom.current().nextInt(20_000, 22_768);
            if (!ports.contains(port) && RedisServer.bindable(port) && RedisServer.bindable(port + 10_000)) {
                return port;
            }
        }
    }

    /** Starts the six processes and creates the cluster; skips (or under CI=true fails) without redis-server. */
    public static RedisClusterProcesses start() {
        Command.require("redis-server");
        Command.require("redis-cli");
        try {
            return new RedisClusterProcesses();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** {@code spring.data.redis.cluster.nodes} for this cluster. */
    public String nodes() {
        return ports.stream().map(port -> "127.0.0.1:" + port).collect(Collectors.joining(","));
    }

    /** The port of the primary serving {@code key}'s slot now; -1 while none does (during a failover). */
    public int primaryFor(String key) {
        int live = livePort();
        String slot = Command.redisCli(live, "CLUSTER", "KEYSLOT", key).strip();
        for (String line : Command.redisCli(live, "CLUSTER", "NODES").lines().toList()) {
            String[] fields = line.split(" ");
            if (fields[2].contains("master") && !fields[2].contains("fail")) {
                for (int i = 8; i < fields.length; i++) {
                    String[] range = fields[i].split("-");
                    int from = Integer.parseInt(range[0]);
                    int to = range.length > 1 ? Integer.parseInt(range[1]) : from;
                    int wanted = Integer.parseInt(slot);
                    if (wanted >= from && wanted <= to) {
                        return port(fields);
                    }
                }
            }
        }
        return -1;
    }

    /**
     * Subscribers of a shard channel ({@code PUBSUB SHARDNUMSUB}) on the primary owning its slot, and
     * of the classic channel of that name ({@code PUBSUB NUMSUB}) summed over every node.
     */
    public long[] subscribers(String channel) {
        List<String> shard = Command.redisCli(primaryFor(channel), "PUBSUB", "SHARDNUMSUB", channel).lines().toList();
        long classic = 0;
        for (int port : ports) {
            if (processes.get(port).isAlive()) {
                classic += Long.parseLong(Command.redisCli(port, "PUBSUB", "NUMSUB", channel).lines().toList().get(1).strip());
            }
        }
        return new long[] {Long.parseLong(shard.get(1).strip()), classic};
    }

    /** Keys matching {@code pattern} on every live primary. */
    public List<String> keys(String pattern) {
        List<String> keys = new ArrayList<>();
        for (int port : ports) {
            if (processes.get(port).isAlive() && Command.redisCli(port, "ROLE").startsWith("master")) {
                keys.addAll(Command.run(List.of("redis-cli", "-p", Integer.toString(port), "--scan", "--pattern", pattern),
                        Map.of(), 10).output().lines().filter(line -> !line.isBlank()).toList());
            }
        }
        return keys;
    }

    /** Kills a primary (SIGKILL) and waits until its replica took its slots and the cluster is ok again. */
    public void killPrimary(int port, String keyItServed) {
        kill(port);
        awaitPromoted(port, keyItServed);
    }

    /** Kills the process on {@code port} (SIGKILL), as a crash would. */
    public void kill(int port) {
        Process process = processes.get(port);
        process.destroyForcibly();
        try {
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Waits until a replica took the slots of the (dead) primary on {@code port} and the cluster is ok again. */
    public void awaitPromoted(int port, String keyItServed) {
        await("a replica promoted for " + port).atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(25))
                .until(() -> primaryFor(keyItServed) > 0 && primaryFor(keyItServed) != port
                && Command.redisCli(livePort(), "CLUSTER", "INFO").contains("cluster_state:ok"));
    }

    /** The port of a live replica of the primary on {@code primaryPort}; -1 if it has none. */
    public int replicaOf(int primaryPort) {
        List<String> nodes = Command.redisCli(livePort(), "CLUSTER", "NODES").lines().toList();
        String primaryId = nodes.stream().map(line -> line.split(" "))
                .filter(fields -> port(fields) == primaryPort).map(fields -> fields[0]).findFirst().orElseThrow();
        return nodes.stream().map(line -> line.split(" "))
                .filter(fields -> fields[3].equals(primaryId) && !fields[2].contains("fail"))
                .mapToInt(RedisClusterProcesses::port).filter(port -> processes.get(port).isAlive()).findFirst().orElse(-1);
    }

    /**
     * Replication lag, made certain: freezes the replica (SIGSTOP) and cuts its link from the
     * primary's side, so nothing the primary stores from now on reaches it.
     */
    public void freeze(int replicaPort, int primaryPort) {
        Command.signal("STOP", processes.get(replicaPort));
        Command.redisCli(primaryPort, "CLIENT", "KILL", "TYPE", "replica");
    }

    /** Lets a frozen process run again (SIGCONT). */
    public void thaw(int port) {
        Command.signal("CONT", processes.get(port));
    }

    /**
     * Moves the slot of {@code key} from its primary to the primary on {@code toPort}, keys and all,
     * the way {@code redis-cli --cluster reshard} does: IMPORTING on the target, MIGRATING on the
     * source, MIGRATE of its keys in batches, then the slot assigned to the target on every primary.
     */
    public void moveSlot(String key, int toPort) {
        int fromPort = primaryFor(key);
        String slot = Command.redisCli(fromPort, "CLUSTER", "KEYSLOT", key).strip();
        String fromId = Command.redisCli(fromPort, "CLUSTER", "MYID").strip();
        String toId = Command.redisCli(toPort, "CLUSTER", "MYID").strip();
        requireOk(Command.redisCli(toPort, "CLUSTER", "SETSLOT", slot, "IMPORTING", fromId));
        requireOk(Command.redisCli(fromPort, "CLUSTER", "SETSLOT", slot, "MIGRATING", toId));
        while (true) {
            List<String> keys = Command.redisCli(fromPort, "CLUSTER", "GETKEYSINSLOT", slot, "100").lines()
                    .filter(line -> !line.isBlank()).toList();
            if (keys.isEmpty()) {
                break;
            }
            List<String> migrate = new ArrayList<>(List.of("MIGRATE", "127.0.0.1", Integer.toString(toPort), "", "0",
                    "5000", "KEYS"));
            migrate.addAll(keys);
            requireOk(Command.redisCli(fromPort, migrate.toArray(String[]::new)));
        }
        for (int port : ports) {
            if (processes.get(port).isAlive() && Command.redisCli(port, "ROLE").startsWith("master")) {
                requireOk(Command.redisCli(port, "CLUSTER", "SETSLOT", slot, "NODE", toId));
            }
        }
        await("slot of " + key + " on " + toPort).atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(25))
                .until(() -> primaryFor(key) == toPort);
    }

    /** The primaries' ports, live ones only. */
    public List<Integer> primaries() {
        return ports.stream().filter(port -> processes.get(port).isAlive()
                && Command.redisCli(port, "ROLE").startsWith("master")).toList();
    }

    private static void requireOk(String reply) {
        if (!reply.strip().equals("OK") && !reply.strip().equals("NOKEY")) {
            throw new IllegalStateException("redis-cli answered " + reply.strip());
        }
    }

    /** The port in a line of {@code CLUSTER NODES} ({@code id host:port@busport flags ...}). */
    private static int port(String[] fields) {
        return Integer.parseInt(fields[1].substring(fields[1].indexOf(':') + 1, fields[1].indexOf('@')));
    }

    private int livePort() {
        return ports.stream().filter(port -> processes.get(port).isAlive()).findFirst().orElseThrow();
    }

    @Override
    public void close() {
        processes.values().forEach(Process::destroyForcibly);
        for (Process process : processes.values()) {
            try {
                process.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
