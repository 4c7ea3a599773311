package io.switchboard.console;

/** The console's history of a single node, in its memory. */
class InMemoryConsoleStoreTests extends ConsoleStoreContractTests {

    @Override
    protected ConsoleStore createStore() {
        return new InMemoryConsoleStore();
    }
}
