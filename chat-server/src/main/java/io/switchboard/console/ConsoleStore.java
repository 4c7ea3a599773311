package io.switchboard.console;

import java.util.List;
import java.util.Map;

/**
 * Where the console's history lives, so that it survives a page reload and the death of the node
 * that serves the page: each node's samples (one a second, the last 15 minutes) and the cluster's
 * events. With Redis every node reads what every node wrote; on a single node, in its memory.
 */
interface ConsoleStore extends AutoCloseable {

    /** How far back the console shows. */
    long HISTORY_MILLIS = 15 * 60 * 1000L;

    /** Adds this node's sample (its JSON); never waits. */
    void sample(String node, long at, String json);

    /** Every node's samples after {@code sinceMillis}, oldest first, as their JSON; may wait on Redis (management work). */
    Map<String, List<String>> samples(long sinceMillis);

    /** Records an event; never waits. */
    void event(ConsoleEvent event);

    /** The newest {@code max} events, oldest first; may wait on Redis. */
    List<ConsoleEvent> events(int max);

    @Override
    default void close() {
    }
}
