package io.switchboard.presence;

class InMemoryPresenceTests extends PresenceContractTests {

    @Override
    protected Presence createPresence() {
        return new InMemoryPresence(LIST_LIMIT);
    }
}
