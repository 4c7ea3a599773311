package io.switchboard.cluster;

import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.function.IntSupplier;
import java.util.function.Supplier;

/**
 * The registry of a single node (in-memory broker): this node is the whole cluster, nothing expires,
 * and a drain has nobody to coordinate with, so it is never refused.
 */
final class InMemoryNodeRegistry implements NodeRegistry {

    private final String self;
    private final String version;
    private final Supplier<String> address;
    private final IntSupplier connections;
    private final Clock clock;
    private final Instant startedAt;
    private volatile NodeState state = NodeState.READY;

    InMemoryNodeRegistry(String self, String version, Supplier<String> address, IntSupplier connections, Clock clock) {
        this.self = self;
        this.version = version;
        this.address = address;
        this.connections = connections;
        this.clock = clock;
        this.startedAt = clock.instant();
    }

    @Override
    public String self() {
        return self;
    }

    @Override
    public List<NodeView> nodes() {
        return List.of(new NodeView(self, state, version, address.get(), connections.getAsInt(), startedAt,
                clock.instant(), ""));
    }

    /** A single node has nobody to balance with. */
    @Override
    public boolean rebalancing() {
        return false;
    }

    @Override
    public List<NodeView> lastSeen() {
        return nodes();
    }

    @Override
    public void setState(NodeState state) {
        this.state = state;
    }

    @Override
    public NodeState state() {
        return state;
    }

    @Override
    public Optional<DrainRefusal> tryDrain(int maxConcurrent, boolean force) {
        state = NodeState.DRAINING;
        return Optional.empty();
    }

    @Override
    public void addListener(NodeListener listener) {
        // no other node can arrive or die
    }
}
