package io.switchboard.rebalance;

import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.actuate.endpoint.annotation.WriteOperation;

/**
 * {@code /actuator/rebalance} (management port). {@code POST} starts a cluster-wide rebalance from
 * any node, or answers the one already running; {@code GET} shows the running or last one.
 */
@Endpoint(id = "rebalance")
public class RebalanceEndpoint {

    private final Rebalancer rebalancer;

    RebalanceEndpoint(Rebalancer rebalancer) {
        this.rebalancer = rebalancer;
    }

    @ReadOperation
    public RebalanceStatus status() {
        return rebalancer.status();
    }

    @WriteOperation
    public RebalanceStatus start() {
        return rebalancer.start("requested through /actuator/rebalance");
    }
}
