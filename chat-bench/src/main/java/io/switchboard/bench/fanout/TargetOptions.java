package io.switchboard.bench.fanout;

import io.switchboard.bench.client.ChatSystem;
import io.switchboard.bench.client.Endpoints;
import java.net.URI;
import java.util.List;
import picocli.CommandLine.Option;

/** Which system to load and where it listens. */
public final class TargetOptions {

    @Option(names = "--system", defaultValue = "switchboard",
            description = "Protocol of the system under test: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
    ChatSystem system;

    @Option(names = "--url", required = true, paramLabel = "WS_URL",
            description = "WebSocket address, repeatable: one load balancer or each node (ws://127.0.0.1:18081; the path defaults to /ws or /socket.io/).")
    List<URI> urls;

    public ChatSystem system() {
        return system;
    }

    public Endpoints endpoints() {
        return endpoints(system, urls);
    }

    /** The given addresses with the system's path added where only host and port were given. */
    public static Endpoints endpoints(ChatSystem system, List<URI> urls) {
        return new Endpoints(urls.stream().map(system::address).toList());
    }
}
