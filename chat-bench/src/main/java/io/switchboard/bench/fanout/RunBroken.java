package io.switchboard.bench.fanout;

/** The run could not measure what was asked (members could not join, a node could not be reached): exit non-zero. */
public final class RunBroken extends RuntimeException {

    public RunBroken(String message) {
        super(message);
    }
}
