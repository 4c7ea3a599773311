package io.switchboard.bench.fanout;

import io.switchboard.bench.client.Member;

/** One member's observer: decodes each message's stamp, classifies the receipt and records its latency. */
final class Receiver implements Member.Events {

    private final Tally tally;
    private final Receipts receipts = new Receipts();
    /** Every measured receipt, or null when the run does not keep them. */
    private final ReceiptLog log;

    Receiver(Tally tally, ReceiptLog log) {
        this.tally = tally;
        this.log = log;
    }

    @Override
    public void onMessage(String text) {
        long now = System.nanoTime();
        Payload payload = Payload.decode(text);
        if (payload == null || !tally.counts(payload.scheduledNanos())) {
            return;
        }
        switch (receipts.record(payload.publisher(), payload.seq())) {
            case DUPLICATE -> tally.duplicated.increment();
            case OUT_OF_ORDER -> {
                tally.outOfOrder.increment();
                received(now, payload);
            }
            case NEW -> received(now, payload);
        }
    }

    private void received(long now, Payload payload) {
        long latency = now - payload.scheduledNanos();
        if (log != null) { // before the tally counts it: a reader that sees the count sees the entry
            log.add(payload.scheduledNanos(), latency, payload.publisher(), payload.seq());
        }
        tally.receipt(payload.publisher(), payload.seq(), latency);
    }

    @Override
    public void onDuplicate() {
        tally.duplicated.increment();
    }

    @Override
    public void onAck(String text) {
        Payload payload = Payload.decode(text);
        if (payload != null && tally.counts(payload.scheduledNanos())) {
            tally.acked.increment();
            tally.ackMicros.recordValue(Tally.micros(System.nanoTime() - payload.scheduledNanos()));
        }
    }

    @Override
    public void onRejoined(long nanos) {
        tally.rejoinMicros.recordValue(Tally.micros(nanos));
    }

    @Override
    public void onError(String what) {
        tally.error(what);
    }
}
