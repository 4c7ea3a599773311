package io.switchboard.console;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The {@link ConsoleStore} guarantees, run over every implementation, written as the sampler writes
 * (a sample stamped with the time it is taken) and read back as the console's endpoint reads.
 */
abstract class ConsoleStoreContractTests {

    protected ConsoleStore store;

    /** A fresh store that no other test writes to. */
    protected abstract ConsoleStore createStore();

    @BeforeEach
    void setUpStore() {
        store = createStore();
    }

    @AfterEach
    void closeStore() {
        store.close();
    }

    @Test
    void hasNothingBeforeTheFirstSample() {
        assertThat(store.samples(0)).isEmpty();
        assertThat(store.events(10)).isEmpty();
    }

    @Test
    void answersTheSamplesTakenAfterAMomentOldestFirst() {
        store.sample("node-a", now(), "{\"n\":1}");
        assertThat(store.samples(0)).as("written (Redis: the write is not waited for)").isNotEmpty();
        long between = nextMillisecond();
        store.sample("node-a", nextMillisecond(), "{\"n\":2}");
        store.sample("node-a", now(), "{\"n\":3}");

        assertThat(store.samples(0)).containsOnlyKeys("node-a");
        assertThat(store.samples(0).get("node-a")).containsExactly("{\"n\":1}", "{\"n\":2}", "{\"n\":3}");
        assertThat(store.samples(between).get("node-a")).containsExactly("{\"n\":2}", "{\"n\":3}");
    }

    @Test
    void answersTheNewestEventsOldestFirst() {
        for (int i = 1; i <= 5; i++) {
            store.event(new ConsoleEvent(1_000L * i, "drain started", "node-" + i, i % 2 == 0 ? "" : "by operator"));
        }

        assertThat(store.events(10)).extracting(ConsoleEvent::node)
                .containsExactly("node-1", "node-2", "node-3", "node-4", "node-5");
        assertThat(store.events(2)).containsExactly(new ConsoleEvent(4_000L, "drain started", "node-4", ""),
                new ConsoleEvent(5_000L, "drain started", "node-5", "by operator"));
    }

    @Test
    void keepsTheLastFiveHundredEvents() {
        for (int i = 1; i <= 520; i++) {
            store.event(new ConsoleEvent(i, "rebalance round", "node-a", Integer.toString(i)));
        }

        List<ConsoleEvent> events = store.events(1000);
        assertThat(events).hasSizeGreaterThanOrEqualTo(500).last().extracting(ConsoleEvent::detail).isEqualTo("520");
        assertThat(events).as("about 500: Redis trims the stream by whole nodes (MAXLEN ~)").hasSizeLessThanOrEqualTo(600);
    }

    private static long now() {
        return System.currentTimeMillis();
    }

    /** The first millisecond after now, waited for: samples stamped before and after it are apart. */
    private static long nextMillisecond() {
        long start = now();
        long now = start;
        while (now == start) {
            Thread.onSpinWait();
            now = now();
        }
        return now;
    }
}
