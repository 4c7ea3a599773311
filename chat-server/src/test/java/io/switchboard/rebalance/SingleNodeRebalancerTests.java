package io.switchboard.rebalance;

/** The contract on the in-memory broker's single node: every start answers that there is nothing to rebalance. */
class SingleNodeRebalancerTests extends RebalancerContractTests {

    @Override
    protected Rebalancer createRebalancer() {
        return new SingleNodeRebalancer();
    }

    @Override
    protected boolean runsRebalances() {
        return false;
    }

    @Override
    protected void runToTheEnd() {
        // nothing runs
    }
}
