package io.switchboard.bench.fanout;

import picocli.CommandLine.Option;

/** A load's rate, in messages or in deliveries per second (an exclusive picocli group). */
public final class RateOptions {

    @Option(names = "--rate", paramLabel = "MSG_PER_S", description = "Messages per second, all publishers together.")
    Double messages;

    @Option(names = "--deliveries", paramLabel = "PER_S", description = "Deliveries per second (messages x members per room).")
    Double deliveries;

    /** Messages per second for rooms of {@code members}. */
    public double messagesPerSecond(int members) {
        return messages != null ? messages : deliveries / members;
    }
}
