package io.switchboard.console;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The console's history on a single node (in-memory broker): the last 15 minutes, in this JVM. */
final class InMemoryConsoleStore implements ConsoleStore {

    private static final int MAX_EVENTS = 500;

    private record Sample(long at, String json) {}

    private final ArrayDeque<Sample> samples = new ArrayDeque<>();
    private final ArrayDeque<ConsoleEvent> events = new ArrayDeque<>();
    private String node;

    @Override
    public synchronized void sample(String node, long at, String json) {
        this.node = node;
        samples.addLast(new Sample(at, json));
        while (!samples.isEmpty() && samples.peekFirst().at() < at - HISTORY_MILLIS) {
            samples.removeFirst();
        }
    }

    @Override
    public synchronized Map<String, List<String>> samples(long sinceMillis) {
        if (node == null) {
            return Map.of();
        }
        List<String> after = new ArrayList<>();
        for (Sample sample : samples) {
            if (sample.at() > sinceMillis) {
                after.add(sample.json());
            }
        }
        return Map.of(node, after);
    }

    @Override
    public synchronized void event(ConsoleEvent event) {
        events.addLast(event);
        if (events.size() > MAX_EVENTS) {
            events.removeFirst();
        }
    }

    @Override
    public synchronized List<ConsoleEvent> events(int max) {
        List<ConsoleEvent> all = new ArrayList<>(events);
        return all.subList(Math.max(0, all.size() - max), all.size());
    }
}
