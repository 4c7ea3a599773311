package io.switchboard.bench.client;

import java.net.URI;
import java.util.List;

/**
 * The WebSocket addresses a run may use: one load balancer, or each node's own address. Members
 * are spread over them round-robin, and a member told to move goes to the next one (with a single
 * load-balancer address that is the load balancer again, which picks a ready node).
 */
public record Endpoints(List<URI> uris) {

    public Endpoints {
        if (uris.isEmpty()) {
            throw new IllegalArgumentException("at least one URL is needed");
        }
        uris = List.copyOf(uris);
    }

    /** The address for the {@code index}-th connection of a run. */
    public URI at(int index) {
        return uris.get(Math.floorMod(index, uris.size()));
    }

    /** The address after {@code current}: where a member goes when its node sends it away. */
    public URI after(URI current) {
        return at(uris.indexOf(current) + 1);
    }
}
