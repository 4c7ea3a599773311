package io.switchboard.bench.fanout;

import io.switchboard.bench.client.ChatSystem;
import io.switchboard.bench.client.Endpoints;
import io.switchboard.bench.cpu.ServerCpu;
import java.net.InetAddress;
import java.time.Duration;
import java.util.List;

/**
 * One fan-out load: {@code rooms} rooms of {@code members} connections each, spread round-robin
 * over the endpoints, and {@code publishers} of those members sending at {@code messageRate}
 * messages per second in total.
 *
 * @param system the protocol the endpoints speak
 * @param endpoints where members connect (one load balancer, or each node)
 * @param rooms how many rooms
 * @param members connections per room, publishers included
 * @param publishers how many members publish (round-robin over the rooms)
 * @param messageRate messages per second, all publishers together
 * @param size message text length in characters
 * @param warmup how long the load runs before anything is recorded
 * @param drainWait how long to wait for outstanding deliveries after the last send
 * @param deflate whether clients offer permessage-deflate
 * @param sourceAddresses local addresses to connect from (empty: the system's choice)
 * @param cpu the server processes whose CPU time the run reports per delivery (none: not measured)
 */
public record Scenario(ChatSystem system, Endpoints endpoints, int rooms, int members, int publishers,
        double messageRate, int size, Duration warmup, Duration drainWait, boolean deflate,
        List<InetAddress> sourceAddresses, ServerCpu cpu) {

    public Scenario {
        if (rooms < 1 || members < 1 || publishers < 1) {
            throw new IllegalArgumentException("rooms, members and publishers must be at least 1");
        }
        if (publishers > rooms * members) {
            throw new IllegalArgumentException("more publishers (" + publishers + ") than members (" + rooms * members + ")");
        }
        if (!(messageRate > 0)) {
            throw new IllegalArgumentException("the rate must be positive");
        }
        sourceAddresses = List.copyOf(sourceAddresses);
    }

    /** Deliveries per second this load asks for: every message reaches every member of its room. */
    public double deliveryRate() {
        return messageRate * members;
    }

    /** The same load at another message rate. */
    public Scenario withMessageRate(double rate) {
        return new Scenario(system, endpoints, rooms, members, publishers, rate, size, warmup, drainWait, deflate,
                sourceAddresses, cpu);
    }
}
