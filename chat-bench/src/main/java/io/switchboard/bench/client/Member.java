package io.switchboard.bench.client;

import java.util.concurrent.CompletableFuture;

/**
 * One simulated user: a WebSocket connection that is a member of one room, in whichever chat
 * protocol the system under test speaks. The benchmark sees only this interface, so Switchboard and
 * the Socket.IO peer are measured by exactly the same scenario code.
 *
 * <p>What a member reports through its {@link Events} is what the user would see: every message
 * text once (an adapter that can detect a duplicate by the server's position reports it as a
 * duplicate instead), each acknowledged send, and each reconnect with the time it took.
 */
public interface Member extends AutoCloseable {

    /** Completes when the member has joined its room the first time (fails if it never could). */
    CompletableFuture<Void> joined();

    /**
     * Sends a message to the member's room without waiting. A member that is between two
     * connections keeps the message and sends it once it has joined again, so the sender's open
     * model is kept and the time lost shows up as latency, not as a missing send.
     */
    void send(String text);

    /** Whether the member is in its room now (joined, and not between two connections). */
    boolean inRoom();

    /** Whether the server accepted permessage-deflate on the current connection. */
    boolean deflateNegotiated();

    /** Closes the connection for good: no reconnect follows. */
    @Override
    void close();

    /** What a member observed; called on the client's I/O threads, one call at a time per member. */
    interface Events {

        /** A message of the member's room, by its text (the benchmark encodes its timing there). */
        void onMessage(String text);

        /** The server sent a message again that this member had already seen (by its offset). */
        void onDuplicate();

        /** The server acknowledged one of this member's sends: the one with {@code text}. */
        void onAck(String text);

        /** The member joined again after losing its connection, {@code nanos} after it was lost. */
        void onRejoined(long nanos);

        /** Something went wrong that the run should report: an error frame, a refused handshake, a close. */
        void onError(String what);
    }
}
