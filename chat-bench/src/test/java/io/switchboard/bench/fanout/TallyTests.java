package io.switchboard.bench.fanout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;

class TallyTests {

    private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);
    /** The histograms keep three significant digits. */
    private static final Offset<Double> EXACT_ENOUGH = within(0.01);

    @Test
    void splitsEachMessagesLatencyIntoItsFirstReceiptAndTheSpreadAfterIt() {
        Tally tally = new Tally(3);
        tally.receipt(0, 1, 3 * MS);
        tally.receipt(0, 1, 1 * MS);
        tally.receipt(0, 1, 2 * MS);
        tally.receipt(1, 1, 6 * MS); // another publisher's first message: a message of its own,
        tally.receipt(1, 1, 5 * MS); // which one member never got: counted as far as it got

        assertThat(tally.received.sum()).isEqualTo(5);
        assertThat(tally.latency().count()).isEqualTo(5);
        assertThat(tally.firstReceipt().count()).isEqualTo(2);
        assertThat(tally.firstReceipt().p50()).isCloseTo(1.0, EXACT_ENOUGH);
        assertThat(tally.firstReceipt().max()).isCloseTo(5.0, EXACT_ENOUGH);
        assertThat(tally.spread().count()).isEqualTo(2);
        assertThat(tally.spread().p50()).isCloseTo(1.0, EXACT_ENOUGH);
        assertThat(tally.spread().max()).isCloseTo(2.0, EXACT_ENOUGH);
    }

    @Test
    void membersReceivingOnTheirOwnThreadsAtOnceMakeOneSpanPerMessage() throws InterruptedException {
        Tally tally = new Tally(8);
        int messages = 2_000;
        List<Thread> members = new ArrayList<>();
        for (int m = 1; m <= 8; m++) {
            long latency = m * MS; // member m receives every message m ms after it was due
            members.add(Thread.ofPlatform().start(() -> {
                for (int seq = 1; seq <= messages; seq++) {
                    tally.receipt(seq % 10, seq, latency);
                }
            }));
        }
        for (Thread member : members) {
            member.join();
        }

        assertThat(tally.received.sum()).isEqualTo(8L * messages);
        assertThat(tally.firstReceipt().count()).isEqualTo(messages);
        assertThat(tally.firstReceipt().max()).isCloseTo(1.0, EXACT_ENOUGH);
        assertThat(tally.spread().p50()).isCloseTo(7.0, EXACT_ENOUGH);
        assertThat(tally.spread().max()).isCloseTo(7.0, EXACT_ENOUGH);
    }
}
