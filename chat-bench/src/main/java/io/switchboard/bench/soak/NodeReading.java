package io.switchboard.bench.soak;

import io.switchboard.bench.node.Actuator;
import io.switchboard.bench.node.NodeMemory;

/**
 * One node with no soak client connected: heap used after a full GC, resident set, and what it
 * still holds (its {@code switchboard.connections} and {@code switchboard.rooms} gauges).
 *
 * @param heapBytes heap used after a full GC ({@code jcmd <pid> GC.run})
 * @param rssBytes resident set size
 * @param connections open WebSocket connections
 * @param rooms rooms the node keeps state for
 */
record NodeReading(long heapBytes, long rssBytes, long connections, long rooms) {

    static NodeReading of(NodeMemory memory, Actuator actuator) {
        NodeMemory.Reading afterGc = memory.read();
        return new NodeReading(afterGc.heapBytes(), afterGc.rssBytes(), (long) actuator.metric("switchboard.connections"),
                (long) actuator.metric("switchboard.rooms"));
    }
}
