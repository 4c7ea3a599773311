package io.switchboard.limits;

class InMemoryConnectionLimitsTests extends ConnectionLimitsContractTests {

    @Override
    protected ConnectionLimits createLimits() {
        return new InMemoryConnectionLimits();
    }
}
