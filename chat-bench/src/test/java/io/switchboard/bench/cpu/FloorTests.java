package io.switchboard.bench.cpu;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.bench.support.FloorProgram;
import java.nio.file.Path;
import java.time.Duration;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The floor program, run for real at a small load, and its figure read back. */
class FloorTests {

    @TempDir
    Path dir;

    @Test
    void runsTheFloorAtWholeRoomsAndReadsItsCpuPerDelivery() {
        Path program = FloorProgram.build(dir);

        FloorResult floor = Floor.run(program, 120, 5000, 200, Duration.ofSeconds(1));

        assertThat(floor.connections()).as("120 rounded down to rooms of 50").isEqualTo(100);
        assertThat(floor.deliveries()).isEqualTo(5000);
        assertThat(floor.bytes()).isEqualTo(200);
        // both as the floor printed them, each rounded to two decimals
        assertThat(floor.cpuSeconds()).isPositive();
        assertThat(floor.microsPerDelivery()).isPositive()
                .isCloseTo(floor.cpuSeconds() * 1e6 / floor.deliveries(), Offset.offset(0.01e6 / floor.deliveries()));
    }
}
