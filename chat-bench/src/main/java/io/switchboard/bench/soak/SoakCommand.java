package io.switchboard.bench.soak;

import io.switchboard.bench.client.ChatSystem;
import io.switchboard.bench.client.Endpoints;
import io.switchboard.bench.fanout.DurationConverter;
import io.switchboard.bench.fanout.TargetOptions;
import io.switchboard.bench.node.Actuator;
import io.switchboard.bench.node.NodeMemory;
import io.switchboard.bench.report.JsonFile;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code chat-bench soak}: clients coming and going for a long time, and whether the nodes' heap
 * after a full GC is where it was. Both readings are taken at rest, with none of the run's
 * clients connected, so the live connections are not in either and any difference is what the
 * churn left behind.
 */
@Command(name = "soak", mixinStandardHelpOptions = true, sortOptions = false,
        description = {
            "Churn for a set time: clients connect, say hello, join a room, chat, wait for their acks and their own "
                    + "messages back, and disconnect; new ones replace them at once, --clients at a time. Every "
                    + "client and room name is new, so anything a node keeps per session or per room would grow.",
            "",
            "Phases: churn for --warmup; let the last clients leave and wait --settle; read each node (full GC with "
                    + "'jcmd <pid> GC.run', then heap used from /actuator/metrics, RSS from /proc, and its "
                    + "switchboard.connections and switchboard.rooms gauges); churn for --duration; the same again.",
            "",
            "Reports clients connected, disconnected and failed to join, messages sent, acked, delivered, lost "
                    + "(not acknowledged or not received back by their sender before it left), duplicated, errors, "
                    + "and each node's heap after GC at the start and at the end.",
            "",
            "Exit code 0: passed. 1: a node's heap after GC grew by more than --tolerance, a node holds more "
                    + "connections or rooms than at the start, a message was lost or a client could not join. "
                    + "2: the run could not measure. The nodes must run on this machine (jcmd, /proc)."})
public final class SoakCommand implements Callable<Integer> {

    private static final int FAILED = 1;

    @Option(names = "--url", required = true, paramLabel = "WS_URL",
            description = "WebSocket address, repeatable: one load balancer or each node (ws://127.0.0.1:18081; "
                    + "the path defaults to /ws). Clients go round-robin over them.")
    List<URI> urls;

    @Option(names = "--management", required = true, paramLabel = "URL",
            description = "Management address of each node to measure, repeatable (http://127.0.0.1:18181).")
    List<URI> management;

    @Option(names = "--duration", defaultValue = "10m", converter = DurationConverter.class, paramLabel = "TIME",
            description = "Measured churn: new clients arrive for this long (" + DurationConverter.FORMS
                    + "; default: ${DEFAULT-VALUE}).")
    Duration duration;

    @Option(names = "--warmup", defaultValue = "1m", converter = DurationConverter.class, paramLabel = "TIME",
            description = "Churn before the start reading, so the nodes have compiled, pooled and cached what "
                    + "they keep (" + DurationConverter.FORMS + "; default: ${DEFAULT-VALUE}).")
    Duration warmup;

    @Option(names = "--settle", defaultValue = "5s", converter = DurationConverter.class, paramLabel = "TIME",
            description = "Wait after the last client left, before each reading (" + DurationConverter.FORMS
                    + "; default: ${DEFAULT-VALUE}).")
    Duration settle;

    @Option(names = "--clients", defaultValue = "100", description = "Clients connected at once (default: ${DEFAULT-VALUE}).")
    int clients;

    @Option(names = "--members", defaultValue = "5",
            description = "Clients per room: each room name serves this many clients in a row, who are mostly there at "
                    + "the same time, and is never used again (default: ${DEFAULT-VALUE}).")
    int members;

    @Option(names = "--messages", defaultValue = "5",
            description = "Messages each client sends before it leaves (default: ${DEFAULT-VALUE}).")
    int messages;

    @Option(names = "--send-every", defaultValue = "1s", converter = DurationConverter.class, paramLabel = "TIME",
            description = "Pause before each of a client's sends; a client stays about --messages x this ("
                    + DurationConverter.FORMS + "; default: ${DEFAULT-VALUE}).")
    Duration sendEvery;

    @Option(names = "--size", defaultValue = "100", description = "Message text length in characters (default: ${DEFAULT-VALUE}).")
    int size;

    @Option(names = "--tolerance", defaultValue = "10", paramLabel = "PERCENT",
            description = "Heap growth allowed per node, in percent of its start reading (default: ${DEFAULT-VALUE}).")
    double tolerancePercent;

    @Option(names = "--deflate", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Offer permessage-deflate as browsers do (default: on; --no-deflate turns it off).")
    boolean deflate;

    @Option(names = "--json", paramLabel = "FILE", description = "Write the result as JSON to FILE.")
    Path json;

    @Override
    public Integer call() {
        Endpoints endpoints = TargetOptions.endpoints(ChatSystem.SWITCHBOARD, urls);
        List<Actuator> actuators = management.stream().map(Actuator::new).toList();
        List<NodeMemory> memories = actuators.stream().map(NodeMemory::new).toList();
        ChurnCounts measured;
        List<NodeReading> start;
        List<NodeReading> end;
        try (Churn churn = new Churn(endpoints, clients, members, messages, sendEvery, size, deflate)) {
            System.out.printf("warm-up: %.1f s of churn%n", warmup.toNanos() / 1e9);
            churn.run(warmup);
            start = readAtRest(memories, actuators);
            System.out.printf("measuring: %.1f s of churn%n", duration.toNanos() / 1e9);
            measured = churn.run(duration);
            end = readAtRest(memories, actuators);
        }
        List<SoakResult.Node> nodes = new ArrayList<>();
        for (int i = 0; i < management.size(); i++) {
            nodes.add(new SoakResult.Node(management.get(i).toString(), memories.get(i).pid(), start.get(i), end.get(i)));
        }
        SoakResult result = SoakResult.judge(endpoints.uris().stream().map(Object::toString).toList(), clients,
                members, messages, sendEvery.toNanos() / 1e9, size, deflate, warmup.toNanos() / 1e9,
                settle.toNanos() / 1e9, tolerancePercent, measured, nodes);
        System.out.print(result.summary());
        if (json != null) {
            JsonFile.write(json, result);
        }
        return result.passed() ? 0 : FAILED;
    }

    /** Every node after the settle time, each after a full GC. */
    private List<NodeReading> readAtRest(List<NodeMemory> memories, List<Actuator> actuators) {
        Churn.pauseUntil(System.nanoTime() + settle.toNanos());
        List<NodeReading> readings = new ArrayList<>();
        for (int i = 0; i < memories.size(); i++) {
            readings.add(NodeReading.of(memories.get(i), actuators.get(i)));
        }
        return readings;
    }
}
