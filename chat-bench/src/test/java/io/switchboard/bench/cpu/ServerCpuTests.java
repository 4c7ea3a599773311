package io.switchboard.bench.cpu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** CPU time read from /proc for processes found by pid or by a port they listen on: this test's own JVM. */
class ServerCpuTests {

    private static final long SELF = ProcessHandle.current().pid();

    @Test
    void findsTheProcessListeningOnAPort() throws Exception {
        try (ServerSocket listening = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            assertThat(ServerCpu.listeningOn(List.of(listening.getLocalPort())).pids()).containsExactly(SELF);
        }
    }

    @Test
    void findsNobodyOnAPortNothingListensOn() throws Exception {
        int port;
        try (ServerSocket closed = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            port = closed.getLocalPort();
        }
        assertThat(ServerCpu.listeningOn(List.of(port)).measures()).isFalse();
    }

    @Test
    void reportsWhatAProcessSpentSinceAReadingPerUnitOfWork() {
        ServerCpu cpu = ServerCpu.of(List.of(SELF));
        Map<Long, Double> start = cpu.read();
        // work until /proc shows this process a tick further (ticks are 10 ms)
        long[] sink = new long[1];
        await("this process's CPU time to move").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(1))
                .until(() -> {
                    for (int i = 0; i < 1_000_000; i++) {
                        sink[0] += i * 31L ^ sink[0];
                    }
                    return cpu.read().get(SELF) > start.get(SELF);
                });

        CpuUse use = cpu.since(start, 1000, "delivery");

        assertThat(use.processes()).singleElement().satisfies(p -> {
            assertThat(p.pid()).isEqualTo(SELF);
            assertThat(p.name()).isNotBlank();
            assertThat(p.seconds()).isPositive();
        });
        assertThat(use.seconds()).isEqualTo(use.processes().getFirst().seconds());
        assertThat(use.microsPerUnit()).isEqualTo(use.seconds() * 1e6 / 1000);
        assertThat(use.line()).contains("per delivery", Long.toString(SELF));
    }

    @Test
    void aProcessThatIsGoneIsLeftOut() {
        ServerCpu cpu = ServerCpu.of(List.of(SELF, Long.MAX_VALUE));
        Map<Long, Double> start = cpu.read();
        assertThat(start).containsOnlyKeys(SELF);
        assertThat(cpu.since(start, 10, "delivery").processes()).extracting(CpuUse.Process::pid).containsExactly(SELF);
    }
}
