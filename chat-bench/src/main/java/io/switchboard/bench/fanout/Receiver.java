package io.switchboard.bench.fanout;

import io.switchboard.bench.client.Member;

/** One member's observer: decodes each message's stamp, classifies the receipt and records its latency. */
final class Receiver implements Member.Events {

    private final Tally tally;
    private final Receipts receipts = new Receipts();

    Receiver(Tally tally) {
        this.tally = tally;
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
        tally.receipt(payload.publisher(), payload.seq(), now - payload.scheduledNanos());
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
