package io.switchboard.room;

import io.switchboard.broker.BannedException;
import io.switchboard.broker.BrokerFullException;
import io.switchboard.protocol.EncodedFrame;
import io.switchboard.protocol.ErrorCode;
import io.switchboard.protocol.FrameCodec;
import io.switchboard.protocol.ServerFrame;
import java.util.concurrent.CompletionException;

/** The room layer's answers, encoded: a frame for one recipient, and what a broker failure is told as. */
final class Replies {

    private final FrameCodec codec;

    Replies(FrameCodec codec) {
        this.codec = codec;
    }

    EncodedFrame frame(ServerFrame frame) {
        return EncodedFrame.of(codec.encode(frame));
    }

    /**
     * What a failed broker call is told as: {@code forbidden} for a user banned from the room;
     * {@code broker_unavailable} with why when the broker is full, else that it cannot be reached.
     */
    EncodedFrame failed(String ref, Throwable error) {
        Throwable cause = cause(error);
        if (cause instanceof BannedException banned) {
            return frame(new ServerFrame.Error(ErrorCode.FORBIDDEN, "you are banned from this room"
                    + (banned.until() == null ? "" : " until " + banned.until()), ref));
        }
        String why = cause instanceof BrokerFullException ? cause.getMessage() : "the message broker is unavailable; retry";
        return frame(new ServerFrame.Error(ErrorCode.BROKER_UNAVAILABLE, why, ref));
    }

    static Throwable cause(Throwable error) {
        return error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
    }
}
