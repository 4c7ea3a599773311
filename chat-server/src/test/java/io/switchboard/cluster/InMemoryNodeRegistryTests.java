package io.switchboard.cluster;

/** The registry of a single node: it always shows its entry as it is now, and has nobody to refuse a drain for. */
class InMemoryNodeRegistryTests extends NodeRegistryContractTests {

    @Override
    protected NodeRegistry createRegistry(String id) {
        return new InMemoryNodeRegistry(id, VERSION, () -> ADDRESS, connections::get, clock);
    }

    @Override
    protected void heartbeat(NodeRegistry registry) {
        // none: nodes() reads this node's entry as it is
    }

    @Override
    protected boolean refusesALoneNodesDrain() {
        return false;
    }
}
