package io.switchboard.broker;

import java.time.Clock;
import java.time.Duration;

class InMemoryBrokerTests extends BrokerContractTests {

    @Override
    protected Broker createBroker(Duration retention) {
        return new InMemoryBroker(HISTORY_SIZE, Duration.ofMinutes(1), retention, retention, 100_000, Clock.systemUTC());
    }
}
