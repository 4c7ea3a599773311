package io.switchboard.rebalance;

/** With the in-memory broker there is one node: nothing to even out. */
final class SingleNodeRebalancer implements Rebalancer {

    private static final RebalanceStatus SINGLE = RebalanceStatus.none("single node (in-memory broker): nothing to rebalance");

    @Override
    public RebalanceStatus start(String reason) {
        return SINGLE;
    }

    @Override
    public RebalanceStatus status() {
        return SINGLE;
    }
}
