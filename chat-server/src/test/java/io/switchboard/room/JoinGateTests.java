package io.switchboard.room;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class JoinGateTests {

    @Test
    void startsAtMostTheBoundAndTheRestInOrderAsEarlierOnesEnd() {
        JoinGate gate = new JoinGate(2);
        List<CompletableFuture<Integer>> started = new ArrayList<>();
        List<CompletableFuture<Integer>> answers = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            answers.add(gate.submit(() -> {
                CompletableFuture<Integer> read = new CompletableFuture<>();
                started.add(read);
                return read;
            }));
        }
        assertThat(started).hasSize(2);

        started.get(0).complete(0);
        assertThat(answers.get(0)).isCompletedWithValue(0);
        assertThat(started).hasSize(3);
        started.get(1).completeExceptionally(new IllegalStateException("redis down"));
        assertThat(answers.get(1)).isCompletedExceptionally();
        assertThat(started).hasSize(4);
        started.get(2).complete(2);
        started.get(3).complete(3);
        assertThat(started).hasSize(5);
        started.get(4).complete(4);
        assertThat(answers.get(4)).isCompletedWithValue(4);
    }

    @Test
    void aReadThatThrowsFailsItsJoinAndFreesItsPlace() {
        JoinGate gate = new JoinGate(1);
        CompletableFuture<Integer> failed = gate.submit(() -> {
            throw new IllegalStateException("broken");
        });
        CompletableFuture<Integer> next = gate.submit(() -> CompletableFuture.completedFuture(7));
        assertThat(failed).isCompletedExceptionally();
        assertThat(next).isCompletedWithValue(7);
    }
}
