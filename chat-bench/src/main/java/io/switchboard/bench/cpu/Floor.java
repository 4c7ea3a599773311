package io.switchboard.bench.cpu;

import io.switchboard.bench.fanout.RunBroken;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The floor of fan-out cost on this machine: the program built from {@code ../shared/bench/floor.c}
 * ({@code gcc -O2 -o floor floor.c}), a server that does nothing but one {@code write()} per
 * recipient on loopback TCP, in rooms of 50, paced like the test, and a client reading it all with
 * epoll. Run with the scenario's connections and delivery rate, it says what the servers' CPU per
 * delivery could not go below here.
 */
public final class Floor {

    /** The floor's rooms: it writes each message to 50 consecutive connections. */
    public static final int ROOM = 50;
    private static final Pattern SERVER = Pattern.compile(
            "server: (\\d+) deliveries in ([0-9.]+)s, cpu ([0-9.]+)s, ([0-9.]+) us/delivery");
    private static final long LISTEN_WAIT_MILLIS = 5000;
    private static final long SLACK_SECONDS = 60;

    private Floor() {
    }

    /**
     * The floor at {@code connections} (rounded down to whole rooms of 50, at least one), {@code rate}
     * deliveries per second of {@code bytes} each, for about {@code duration}.
     */
    public static FloorResult run(Path program, int connections, double rate, int bytes, Duration duration) {
        int conns = Math.max(ROOM, connections - connections % ROOM);
        long deliveries = Math.max(ROOM, (long) (rate * duration.toMillis() / 1000.0));
        deliveries -= deliveries % ROOM; // whole messages: the client reads exactly what the server writes
        int port = freePort();
        Process server = start(List.of(program.toString(), "server", Integer.toString(conns), Integer.toString(port),
                Long.toString(deliveries), Double.toString(rate), Integer.toString(bytes)));
        try {
            long giveUp = System.currentTimeMillis() + LISTEN_WAIT_MILLIS;
            while (ServerCpu.listenersOf(port).isEmpty()) {
                if (!server.isAlive() || System.currentTimeMillis() > giveUp) {
                    throw new RunBroken("the floor's server did not listen on " + port + ": " + output(server));
                }
                Thread.sleep(10);
            }
            Process client = start(List.of(program.toString(), "client", Integer.toString(conns),
                    Integer.toString(port), Long.toString(deliveries), Integer.toString(bytes)));
            long seconds = duration.toSeconds() + SLACK_SECONDS;
            if (!server.waitFor(seconds, TimeUnit.SECONDS) || !client.waitFor(seconds, TimeUnit.SECONDS)) {
                client.destroyForcibly();
                throw new RunBroken("the floor did not finish within " + seconds + " s");
            }
            String printed = output(server);
            Matcher matcher = SERVER.matcher(printed);
            if (server.exitValue() != 0 || !matcher.find()) {
                throw new RunBroken("the floor's server failed (exit " + server.exitValue() + "): " + printed
                        + output(client));
            }
            return new FloorResult(program.toString(), conns, rate, bytes, Long.parseLong(matcher.group(1)),
                    Double.parseDouble(matcher.group(3)), Double.parseDouble(matcher.group(4)));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RunBroken("interrupted while the floor ran");
        } finally {
            server.destroyForcibly();
        }
    }

    private static Process start(List<String> command) {
        try {
            return new ProcessBuilder(command).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new RunBroken("cannot run the floor (" + command.getFirst() + "): " + e.getMessage());
        }
    }

    private static String output(Process process) {
        try {
            return new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new RunBroken("no free port for the floor: " + e);
        }
    }
}
