package io.switchboard.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.bench.support.FloorProgram;
import io.switchboard.bench.support.SocketIoPeers;
import io.switchboard.bench.support.SwitchboardNodes;
import io.switchboard.support.Command;
import io.switchboard.support.RedisServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A few seconds of every scenario against real processes (a redis-server, two packaged Switchboard
 * nodes, two Socket.IO peer processes), so the tool cannot rot: each command runs through the same
 * picocli command line as {@code main}, and the test asserts on its JSON result. Tiny loads: these
 * check that the generator counts right, not how fast anything is.
 */
class ChatBenchSmokeIT {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    /** Small enough for seconds, big enough that every room spans both nodes. */
    private static final List<String> TINY = List.of("--rooms", "2", "--members", "5", "--size", "64",
            "--warmup", "0.5", "--drain-wait", "3");
    /** Commands whose load is not a fan-out, so {@link #TINY} does not apply to them. */
    private static final Set<String> OWN_LOAD_SHAPE = Set.of("capacity", "soak", "storm");

    private static RedisServer redis;
    private static SwitchboardNodes nodes;
    private static SocketIoPeers peers;

    @TempDir
    Path out;

    @BeforeAll
    static void startSwitchboard() {
        Command.require("redis-server");
        redis = RedisServer.create();
        nodes = new SwitchboardNodes(redis, 2);
    }

    @AfterAll
    static void stopEverything() {
        if (peers != null) {
            peers.close();
        }
        if (nodes != null) {
            nodes.close();
        }
        if (redis != null) {
            redis.close();
        }
    }

    @Test
    void fanoutCountsEveryDeliveryOnce() throws Exception {
        Path receipts = out.resolve("receipts.txt");
        JsonNode result = run("fanout", urls("--url", nodes.urls()), List.of("--rate", "200", "--duration", "2",
                "--floor", FloorProgram.build(out).toString(), "--floor-duration", "1s",
                "--receipts", receipts.toString()));

        assertDelivered(result);
        assertThat(result.path("sent").asLong()).isEqualTo(result.path("acked").asLong());
        assertThat(result.path("expected").asLong()).isEqualTo(result.path("sent").asLong() * 5);
        assertThat(result.path("connectMs").path("count").asLong()).isEqualTo(10);
        // each message once in the split of its latency: before its first member, then the fan-out
        assertThat(result.path("firstMs").path("count").asLong()).isEqualTo(result.path("sent").asLong());
        assertThat(result.path("spreadMs").path("count").asLong()).isEqualTo(result.path("sent").asLong());
        assertThat(result.path("firstMs").path("p50").asDouble())
                .isLessThanOrEqualTo(result.path("latencyMs").path("p50").asDouble());
        // --receipts: a header, then one line per receipt counted, by due time
        List<String> lines = Files.readAllLines(receipts);
        assertThat(lines.getFirst()).isEqualTo("due_ns latency_us publisher seq member");
        assertThat(lines).hasSize(1 + (int) result.path("received").asLong());
        List<Long> due = lines.stream().skip(1).map(line -> Long.parseLong(line.split(" ")[0])).toList();
        assertThat(due).isSorted();
        assertThat(lines.stream().skip(1).map(line -> line.split(" "))).allSatisfy(fields -> {
            assertThat(fields).hasSize(5);
            assertThat(Long.parseLong(fields[1])).isNotNegative();
            assertThat(Integer.parseInt(fields[4])).isBetween(0, 9); // 10 members
        });
        // the nodes listen on the URLs' ports on this machine: their CPU over the measured phase, per delivery
        assertThat(result.path("cpu").path("processes").findValuesAsString("pid").stream().map(Long::valueOf))
                .containsExactlyInAnyOrderElementsOf(nodes.pids());
        assertThat(result.path("cpu").path("unit").asString()).isEqualTo("delivery");
        assertThat(result.path("cpu").path("microsPerUnit").asDouble())
                .isEqualTo(result.path("cpu").path("seconds").asDouble() * 1e6 / result.path("received").asLong(),
                        org.assertj.core.data.Offset.offset(1e-6));
        // the floor at the same load: 10 connections are less than one of its rooms of 50
        assertThat(result.path("floor").path("connections").asInt()).isEqualTo(50);
        assertThat(result.path("floor").path("deliveriesPerSecond").asDouble()).isEqualTo(1000);
        assertThat(result.path("floor").path("bytes").asInt()).isEqualTo(64 + 100);
        assertThat(result.path("floor").path("microsPerDelivery").asDouble()).isPositive();
    }

    @Test
    void sweepReportsEachStepAndTheSustainedRate() throws Exception {
        JsonNode result = run("sweep", urls("--url", nodes.urls()),
                List.of("--rates", "500,1000", "--step-duration", "1.5", "--p99-bound", "5s",
                        "--chart", out.resolve("sweep.png").toString()));

        assertThat(result.path("steps")).hasSize(2);
        result.path("steps").forEach(ChatBenchSmokeIT::assertDelivered);
        assertThat(result.path("sustainedRate").asDouble()).isEqualTo(1000);
        assertThat(Files.size(out.resolve("sweep.png"))).isPositive();
    }

    @Test
    void compareSweepsBothSystemsWithTheSameLoad() throws Exception {
        peers = new SocketIoPeers(redis, 2);
        List<String> targets = new ArrayList<>(urls("--switchboard-url", nodes.urls()));
        targets.addAll(urls("--socketio-url", peers.urls()));

        JsonNode result = run("compare", targets, List.of("--rates", "1000", "--step-duration", "1.5",
                "--p99-bound", "5s", "--chart", out.resolve("compare.png").toString()));

        for (String system : List.of("switchboard", "socketio")) {
            assertThat(result.path(system).path("steps")).hasSize(1);
            result.path(system).path("steps").forEach(ChatBenchSmokeIT::assertDelivered);
        }
        assertThat(result.path("equalLoad")).hasSize(1);
        assertThat(Files.size(out.resolve("compare.png"))).isPositive();
    }

    @Test
    void capacityMeasuresTheNodesMemoryPerConnection() throws Exception {
        JsonNode result = run("capacity", List.of("--url", nodes.urls().getFirst(), "--management",
                nodes.managementUrls().getFirst(), "--steps", "100,200", "--processes", "2", "--members", "5",
                "--chart", out.resolve("capacity.png").toString()), List.of());

        assertThat(result.path("steps")).hasSize(2);
        JsonNode last = result.path("steps").path(1);
        assertThat(last.path("connections").asInt()).isEqualTo(200);
        assertThat(last.path("failed").asInt()).isZero();
        assertThat(last.path("rssBytes").asLong()).isPositive();
        assertThat(last.path("heapBytes").asLong()).isPositive();
    }

    @Test
    void stormJoinsEveryClientAndChargesTheNodesCpuPerClient() throws Exception {
        JsonNode result = run("storm", urls("--url", nodes.urls()), List.of("--clients", "40", "--members", "5",
                "--processes", "2", "--warmup", "0", "--rounds", "2", "--chart", out.resolve("storm.png").toString()));

        assertThat(result.path("rounds")).hasSize(2);
        for (JsonNode round : result.path("rounds")) {
            assertThat(round.path("joined").asLong()).as("clients in their rooms").isEqualTo(40);
            assertThat(round.path("failed").isEmpty()).as("failures %s", round.path("failed")).isTrue();
            assertThat(round.path("joinMs").path("count").asLong()).isEqualTo(40);
            assertThat(round.path("joinedByPercent")).hasSize(100);
            JsonNode cpu = round.path("cpu");
            assertThat(cpu.path("processes").findValuesAsString("pid").stream().map(Long::valueOf))
                    .containsExactlyInAnyOrderElementsOf(nodes.pids());
            assertThat(cpu.path("microsPerUnit").asDouble()).isEqualTo(cpu.path("seconds").asDouble() * 1e6 / 40,
                    org.assertj.core.data.Offset.offset(1e-6));
            assertThat(cpu.path("seconds").asDouble()).isEqualTo(round.path("joinCpu").path("seconds").asDouble()
                    + round.path("leaveCpu").path("seconds").asDouble(), org.assertj.core.data.Offset.offset(1e-6));
        }
        assertThat(Files.size(out.resolve("storm.png"))).isPositive();
    }

    @Test
    void drainMovesEveryMemberWithoutLosingADelivery() throws Exception {
        List<String> targets = new ArrayList<>(urls("--url", nodes.urls()));
        targets.addAll(urls("--management", nodes.managementUrls()));

        JsonNode result = run("drain", targets, List.of("--rate", "100", "--drain-body", "{\"window\":\"1s\"}",
                "--settle", "1", "--chart", out.resolve("drain.png").toString()));

        assertDelivered(result.path("load"));
        assertThat(result.path("drains")).hasSize(2);
        assertThat(result.path("load").path("rejoinMs").path("count").asLong()).isPositive();
        assertThat(result.path("samples")).isNotEmpty();
    }

    @Test
    void soakChurnsClientsAndReadsTheHeapBeforeAndAfter() throws Exception {
        List<String> targets = new ArrayList<>(urls("--url", nodes.urls()));
        targets.addAll(urls("--management", nodes.managementUrls()));

        // a client stays ~0.2 s, so 3 s of arrivals refill each of the 10 places many times; seconds of
        // churn cannot show a leak, and the loose tolerance keeps first-use allocations from failing the run
        JsonNode result = run("soak", targets, List.of("--warmup", "1s", "--duration", "3s", "--settle", "500ms",
                "--clients", "10", "--messages", "2", "--send-every", "100ms", "--tolerance", "50"));

        JsonNode churn = result.path("churn");
        assertThat(churn.path("connected").asLong()).as("clients that joined").isGreaterThan(10);
        assertThat(churn.path("disconnected").asLong()).as("clients that left").isPositive();
        assertThat(churn.path("delivered").asLong()).as("deliveries").isPositive();
        assertThat(churn.path("lost").asLong()).as("lost").isZero();
        assertThat(result.path("nodes")).hasSize(2);
        for (JsonNode node : result.path("nodes")) {
            assertThat(node.path("start").path("heapBytes").asLong()).as("heap at the start").isPositive();
            assertThat(node.path("end").path("heapBytes").asLong()).as("heap at the end").isPositive();
            assertThat(node.path("end").path("connections").asLong()).as("connections the node still holds")
                    .isEqualTo(node.path("start").path("connections").asLong());
        }
        assertThat(result.path("heapGrew").isBoolean()).isTrue();
    }

    private JsonNode run(String command, List<String> targets, List<String> options) throws Exception {
        Path json = out.resolve(command + ".json");
        List<String> args = new ArrayList<>(List.of(command));
        args.addAll(targets);
        if (!OWN_LOAD_SHAPE.contains(command)) {
            args.addAll(TINY);
        }
        args.addAll(options);
        args.addAll(List.of("--json", json.toString()));

        int exit = Bench.commandLine().execute(args.toArray(String[]::new));

        assertThat(exit).as("exit code of chat-bench %s", args).isZero();
        return JSON.readTree(json.toFile());
    }

    private static List<String> urls(String option, List<String> urls) {
        return urls.stream().flatMap(url -> java.util.stream.Stream.of(option, url)).toList();
    }

    private static void assertDelivered(JsonNode fanout) {
        assertThat(fanout.path("received").asLong()).as("deliveries").isPositive();
        assertThat(fanout.path("lost").asLong()).as("lost").isZero();
        assertThat(fanout.path("duplicated").asLong()).as("duplicated").isZero();
        assertThat(fanout.path("outOfOrder").asLong()).as("out of order").isZero();
    }
}
