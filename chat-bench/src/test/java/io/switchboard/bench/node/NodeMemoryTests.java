package io.switchboard.bench.node;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.PrimitiveIterator;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

/** The resident set is read until it stops falling: G1 hands back what a full GC shrank the heap by after the GC returns. */
class NodeMemoryTests {

    private static final long MIB = 1024 * 1024;

    private final AtomicInteger pauses = new AtomicInteger();

    @Test
    void readsUntilTheResidentSetStopsFalling() {
        PrimitiveIterator.OfLong readings = LongStream.of(716 * MIB, 600 * MIB, 457 * MIB, 457 * MIB + 512 * 1024, 300 * MIB)
                .iterator();

        assertThat(NodeMemory.settled(readings::nextLong, pauses::incrementAndGet, 30)).isEqualTo(457 * MIB + 512 * 1024);
        assertThat(pauses).hasValue(3);
    }

    @Test
    void aFallOfLessThanOneMibIsSettled() {
        PrimitiveIterator.OfLong readings = LongStream.of(500 * MIB, 500 * MIB - 900 * 1024, 100 * MIB).iterator();

        assertThat(NodeMemory.settled(readings::nextLong, pauses::incrementAndGet, 30)).isEqualTo(500 * MIB - 900 * 1024);
        assertThat(pauses).hasValue(1);
    }

    @Test
    void stopsAtTheLimitWithTheLastReading() {
        PrimitiveIterator.OfLong readings = LongStream.iterate(900 * MIB, rss -> rss - 10 * MIB).iterator();

        assertThat(NodeMemory.settled(readings::nextLong, pauses::incrementAndGet, 4)).isEqualTo(870 * MIB);
        assertThat(pauses).hasValue(3);
    }
}
