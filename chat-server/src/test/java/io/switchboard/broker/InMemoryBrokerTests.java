package io.switchboard.broker;

import java.time.Clock;
import java.time.Duration;

class InMemoryBrokerTests extends BrokerContractTests {

    @Override
    protected Broker createBroker() {
        return new InMemoryBroker(HISTORY_SIZE, Duration.ofMinutes(1), Clock.systemUTC());
    }
}
