package io.switchboard.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.support.Command;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The source-port limit and its remedy, at small scale and for real: in a network namespace of its
 * own ({@code unshare -n}, so nothing outside it is touched) whose ephemeral port range is narrowed
 * to 100 ports, one packaged node and HAProxy with deploy/haproxy.cfg (its server templates as
 * scripts/cluster turns them into lines). With both of the shipped templates (the node's chat port
 * and its {@code switchboard.additional-ports} port) HAProxy takes the node past the 100
 * connections one destination port allows; with the chat port alone it stops there and says why in
 * its log.
 */
class SourcePortsIT {

    /** What one node address and port allows HAProxy in the namespace: the narrowed range's size. */
    private static final int PORTS = 100;
    private static final int CLIENTS = 150;
    private static final Pattern GREETED = Pattern.compile("greeted (\\d+) of (\\d+)");

    @TempDir
    static Path dir;
    private static String output;

    @BeforeAll
    static void runBothConfigurationsInANamespace() throws IOException {
        for (String binary : List.of("unshare", "ip", "sysctl", "haproxy", "curl")) {
            Command.require(binary);
        }
        if (Command.run(List.of("unshare", "-n", "true"), Map.of(), 10).exitCode() != 0) {
            Command.missing("unshare -n cannot make a network namespace here (it needs root or CAP_SYS_ADMIN)");
        }
        String config = Files.readString(Command.ROOT.resolve("deploy/haproxy.cfg"));
        Files.writeString(dir.resolve("shipped.cfg"), config
                .replaceFirst("(?m)^    server-template chat- .*$", "    server chat-1 127.0.0.1:18080 port 18180")
                .replaceFirst("(?m)^    server-template chat-more- .*$", "    server chat-more-1 127.0.0.1:18090 port 18180"));
        Files.writeString(dir.resolve("single.cfg"), config
                .replaceFirst("(?m)^    server-template chat- .*$", "    server chat-1 127.0.0.1:18080 port 18180")
                .replaceFirst("(?m)^    server-template chat-more- .*$", ""));
        Path script = dir.resolve("namespace.sh");
        Files.writeString(script, """
                set -euo pipefail
                ip link set lo up
                "$JAVA" -jar "$JAR" --server.address=127.0.0.1 --server.port=18080 --switchboard.additional-ports=18090 \\
                  --management.server.address=127.0.0.1 --management.server.port=18180 > "$DIR/node.log" 2>&1 &
                node=$!
                haproxy=""
                trap 'kill $node $haproxy 2>/dev/null || true' EXIT
                ready() { curl -fsS -o /dev/null "$1" 2>/dev/null; }
                for _ in $(seq 1 600); do ready http://127.0.0.1:18180/actuator/health/readiness && break; sleep 0.1; done
                # each run on fresh ports: the last one's connections linger in TIME_WAIT
                run() { # run NAME FIRST_PORT BALANCER_URLS
                  sysctl -qw net.ipv4.ip_local_port_range="$2 $(($2 + %d - 1))"
                  LB_BIND=:8080 CHAT_SERVICE=unused CHAT_MANAGEMENT_PORT=18180 \\
                    haproxy -db -f "$DIR/$1.cfg" > "$DIR/$1.log" 2>&1 &
                  haproxy=$!
                  for _ in $(seq 1 200); do ready http://127.0.0.1:8080/ && break; sleep 0.1; done
                  echo "$1: $("$JAVA" -cp "$CLASSES" io.switchboard.deploy.SourcePortsClient %d "$3")"
                  kill $haproxy; wait $haproxy 2>/dev/null || true; haproxy=""
                }
                run shipped 40000 ws://127.0.0.2:8080/ws,ws://127.0.0.3:8080/ws
                run single 41000 ws://127.0.0.4:8080/ws,ws://127.0.0.5:8080/ws
                """.formatted(PORTS, CLIENTS));
        Command.Result result = Command.run(List.of("unshare", "-n", "bash", script.toString()), Map.of(
                "JAVA", Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "JAR", Command.ROOT.resolve("chat-server/target/chat-server-0.1.0-SNAPSHOT.jar").toString(),
                "CLASSES", Command.ROOT.resolve("chat-server/target/test-classes").toString(),
                "DIR", dir.toString()), 240);
        output = result.output();
        System.out.println(output);
        assertThat(result.exitCode()).as("the namespace's script: %s\nnode: %s", output, log("node")).isZero();
    }

    @Test
    void theShippedConfigurationTakesANodePastWhatOneSourceAddressAndPortAllow() {
        assertThat(greeted("shipped")).as("%s\nHAProxy: %s", output, log("shipped")).isEqualTo(CLIENTS);
    }

    @Test
    void oneServerLinePerNodeStopsAtTheLimitAndHaproxySaysWhy() {
        assertThat(greeted("single")).as(output).isPositive().isLessThanOrEqualTo(PORTS);
        assertThat(log("single")).contains("no free ports");
    }

    private static int greeted(String run) {
        Matcher matcher = Pattern.compile("(?m)^" + run + ": " + GREETED.pattern()).matcher(output);
        assertThat(matcher.find()).as("the client's count for %s in: %s", run, output).isTrue();
        return Integer.parseInt(matcher.group(1));
    }

    private static String log(String name) {
        try {
            return Files.readString(dir.resolve(name + ".log"));
        } catch (IOException e) {
            return "(no " + name + ".log: " + e + ")";
        }
    }
}
