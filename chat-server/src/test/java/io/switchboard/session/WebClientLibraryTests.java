package io.switchboard.session;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.support.Command;
import io.switchboard.support.Node;
import io.switchboard.support.Tokens;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The browser client's library (chat-client-web's switchboard-client.js) run in Node against a
 * real node: send states, members and typing, queued sends, resume after a dropped connection,
 * whose message is whose, history paging, no reconnect after 1009, and tokens (hello, refresh, a
 * stale one) on a node in jwt mode; and against a fake socket, what it keeps over a long life. The
 * cases are in chat-client-web/src/test/js.
 */
class WebClientLibraryTests {

    private static final String API_KEY = "k-tests-0123456789abcdef0123";

    @Test
    void theClientLibraryPassesItsTestsAgainstARealNode() {
        Command.require("node");
        try (Node node = Node.inMemory("switchboard.api.keys.tests=" + API_KEY);
             Node jwtNode = Node.inMemory(Tokens.jwtNode("switchboard.auth.jwt.clock-skew=1s"))) {
            List<String> command = new ArrayList<>(List.of("node"));
            // Node 20 has a WebSocket class only behind this flag; from Node 22 it is global
            if (Command.run(List.of("node", "-p", "typeof WebSocket"), Map.of(), 30).output().contains("undefined")) {
                command.add("--experimental-websocket");
            }
            command.addAll(List.of("--test", "chat-client-web/src/test/js/"));
            Command.Result result = Command.run(command,
                    Map.of("SWITCHBOARD_URL", "ws://127.0.0.1:" + node.port() + "/ws",
                            "SWITCHBOARD_JWT_URL", "ws://127.0.0.1:" + jwtNode.port() + "/ws",
                            "SWITCHBOARD_JWT_SECRET", Tokens.SECRET, "SWITCHBOARD_JWT_ISSUER", Tokens.ISSUER,
                            "SWITCHBOARD_JWT_AUDIENCE", Tokens.AUDIENCE,
                            "SWITCHBOARD_API_URL", "http://127.0.0.1:" + node.port(), "SWITCHBOARD_API_KEY", API_KEY), 120);
            assertThat(result.exitCode()).as(result.output()).isZero();
            assertThat(result.output()).contains("# fail 0", "# skipped 0").doesNotContain("# pass 0");
        }
    }

    /** By hand the library's tests need nodes named in their environment: docs/client.md names each. */
    @Test
    void theClientDocsNameEveryVariableTheLibraryTestsRead() throws IOException {
        Set<String> read = new TreeSet<>();
        try (Stream<Path> files = Files.list(Command.ROOT.resolve("chat-client-web/src/test/js"))) {
            for (Path file : files.filter(f -> f.toString().endsWith(".mjs")).toList()) {
                Matcher env = Pattern.compile("process\\.env\\.([A-Z_]+)").matcher(Files.readString(file));
                while (env.find()) {
                    read.add(env.group(1));
                }
            }
        }
        String docs = Files.readString(Command.ROOT.resolve("docs/client.md"));

        assertThat(read).contains("SWITCHBOARD_URL", "SWITCHBOARD_JWT_URL");
        for (String variable : read) {
            assertThat(docs).as(variable).contains("`" + variable + "`").contains(variable + "=");
        }
    }
}
