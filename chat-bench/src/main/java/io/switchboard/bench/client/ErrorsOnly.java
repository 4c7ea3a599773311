package io.switchboard.bench.client;

/** Events of a member that sends nothing and whose messages do not count: only what went wrong matters. */
public abstract class ErrorsOnly implements Member.Events {

    @Override
    public final void onMessage(String text) {
    }

    @Override
    public final void onDuplicate() {
    }

    @Override
    public final void onAck(String text) {
    }

    @Override
    public final void onRejoined(long nanos) {
    }
}
