package io.switchboard.bench.fanout;

import java.util.BitSet;
import java.util.HashMap;
import java.util.Map;

/**
 * What one member has received from each publisher, by sequence number: enough to tell a first
 * receipt from a duplicate, and an in-order receipt from one that arrived after a later message.
 * One bit per message, so a long run stays small.
 */
final class Receipts {

    /** How a receipt relates to what the member had already seen. */
    enum Kind { NEW, OUT_OF_ORDER, DUPLICATE }

    private final Map<Integer, BitSet> seen = new HashMap<>();
    private final Map<Integer, Long> highest = new HashMap<>();

    synchronized Kind record(int publisher, long seq) {
        BitSet bits = seen.computeIfAbsent(publisher, p -> new BitSet());
        int index = Math.toIntExact(seq);
        if (bits.get(index)) {
            return Kind.DUPLICATE;
        }
        bits.set(index);
        long before = highest.getOrDefault(publisher, 0L);
        if (seq < before) {
            return Kind.OUT_OF_ORDER;
        }
        highest.put(publisher, seq);
        return Kind.NEW;
    }
}
