package io.switchboard.bench.cpu;

/**
 * What the floor ({@link Floor}) spent.
 *
 * @param program the floor program run
 * @param connections connections it wrote to (whole rooms of 50)
 * @param deliveriesPerSecond its pace
 * @param bytes bytes per write
 * @param deliveries writes it made
 * @param cpuSeconds its server's CPU time (user + system)
 * @param microsPerDelivery {@code cpuSeconds} per write, in microseconds
 */
public record FloorResult(String program, int connections, double deliveriesPerSecond, int bytes, long deliveries,
        double cpuSeconds, double microsPerDelivery) {

    /** The summary line. */
    public String line() {
        return String.format("%.1f µs per delivery (one write() per recipient: %,d connections, %,.0f/s, %d bytes, %s)",
                microsPerDelivery, connections, deliveriesPerSecond, bytes, program);
    }
}
