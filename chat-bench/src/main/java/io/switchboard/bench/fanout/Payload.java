package io.switchboard.bench.fanout;

/**
 * The benchmark's message text: {@code publisher:seq:scheduledNanos:} padded with {@code x} to
 * the requested size. The scheduled send time travels inside the message, so a receiver measures
 * latency from when the message should have been sent (System.nanoTime of this one JVM), not from
 * when a stalled sender finally sent it: coordinated omission cannot hide a stall.
 *
 * @param publisher the publisher's number in the run
 * @param seq the publisher's sequence number, from 1
 * @param scheduledNanos when the message was due, System.nanoTime
 */
record Payload(int publisher, long seq, long scheduledNanos) {

    private static final char SEPARATOR = ':';
    private static final char PADDING = 'x';

    String encode(int size) {
        StringBuilder text = new StringBuilder(Math.max(size, 40)).append(publisher).append(SEPARATOR).append(seq)
                .append(SEPARATOR).append(scheduledNanos).append(SEPARATOR);
        while (text.length() < size) {
            text.append(PADDING);
        }
        return text.toString();
    }

    /** The payload of a text this benchmark sent, or null for any other text. */
    static Payload decode(String text) {
        int first = text.indexOf(SEPARATOR);
        int second = first < 0 ? -1 : text.indexOf(SEPARATOR, first + 1);
        int third = second < 0 ? -1 : text.indexOf(SEPARATOR, second + 1);
        if (third < 0) {
            return null;
        }
        try {
            return new Payload(Integer.parseInt(text, 0, first, 10), Long.parseLong(text, first + 1, second, 10),
                    Long.parseLong(text, second + 1, third, 10));
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
