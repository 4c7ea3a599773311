package io.switchboard.bench.fanout;

import io.switchboard.bench.client.ChatSystem;
import io.switchboard.bench.client.Endpoints;
import io.switchboard.bench.cpu.CpuOptions;
import io.switchboard.bench.cpu.Floor;
import io.switchboard.bench.cpu.FloorResult;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** The shape of a fan-out load, shared by fanout, sweep, compare and drain. */
public final class LoadOptions {

    @Option(names = "--rooms", defaultValue = "10", description = "Rooms (default: ${DEFAULT-VALUE}).")
    int rooms;

    @Option(names = "--members", defaultValue = "50", description = "Connections per room, publishers included (default: ${DEFAULT-VALUE}).")
    int members;

    @Option(names = "--publishers", defaultValue = "0",
            description = "Publishing members, spread over the rooms (default: one per room).")
    int publishers;

    @Option(names = "--size", defaultValue = "100", description = "Message text length in characters (default: ${DEFAULT-VALUE}).")
    int size;

    @Option(names = "--warmup", defaultValue = "2s", converter = DurationConverter.class, paramLabel = "TIME",
            description = "Load before measuring (" + DurationConverter.FORMS + "; default: ${DEFAULT-VALUE}).")
    Duration warmup;

    @Option(names = "--drain-wait", defaultValue = "5s", converter = DurationConverter.class, paramLabel = "TIME",
            description = "Wait for outstanding deliveries after the last send; what has not arrived then is lost ("
                    + DurationConverter.FORMS + "; default: ${DEFAULT-VALUE}).")
    Duration drainWait;

    @Option(names = "--deflate", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Offer permessage-deflate as browsers do (default: on; --no-deflate turns it off).")
    boolean deflate;

    @Option(names = "--source-address", paramLabel = "IP",
            description = "Local address to connect from, repeatable (e.g. 127.0.0.2 ... 127.0.0.9 to pass the ephemeral-port limit).")
    List<InetAddress> sourceAddresses = new ArrayList<>();

    @Option(names = "--json", paramLabel = "FILE", description = "Write the result as JSON to FILE.")
    Path json;

    @Mixin
    CpuOptions cpu;

    @Option(names = "--floor", paramLabel = "PROGRAM",
            description = "The floor program built from ../shared/bench/floor.c (gcc -O2 -o floor floor.c): after the "
                    + "run it runs at the same connections and delivery rate, writes as long as a message frame (the "
                    + "text plus " + FLOOR_FRAME_OVERHEAD + " bytes), and its CPU per delivery is reported beside the "
                    + "servers' (fanout and compare).")
    Path floor;

    @Option(names = "--floor-duration", defaultValue = "10s", converter = DurationConverter.class, paramLabel = "TIME",
            description = "How long the floor runs (" + DurationConverter.FORMS + "; default: ${DEFAULT-VALUE}).")
    Duration floorDuration;

    /** What a message frame adds to its text: type, room, ids, offsets, epoch and time (about 100 bytes). */
    static final int FLOOR_FRAME_OVERHEAD = 100;

    /** The floor at this load's connections and {@code deliveryRate}; null without {@code --floor}. */
    public FloorResult floor(double deliveryRate) {
        if (floor == null) {
            return null;
        }
        FloorResult result = Floor.run(floor, rooms * members, deliveryRate, size + FLOOR_FRAME_OVERHEAD, floorDuration);
        System.out.println("floor: " + result.line());
        return result;
    }

    /** The load against {@code system} at {@code endpoints}, at {@code messageRate} messages per second. */
    public Scenario scenario(ChatSystem system, Endpoints endpoints, double messageRate) {
        return new Scenario(system, endpoints, rooms, members, publishers == 0 ? rooms : publishers, messageRate, size,
                warmup, drainWait, deflate, sourceAddresses, cpu.select(endpoints));
    }

    public int members() {
        return members;
    }

    public Duration warmup() {
        return warmup;
    }

    public Path json() {
        return json;
    }
}
