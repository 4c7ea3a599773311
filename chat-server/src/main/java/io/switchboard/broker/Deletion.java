package io.switchboard.broker;

/**
 * A message made a tombstone ({@link Broker#delete}).
 *
 * @param epoch   the room's epoch, which the offset is of
 * @param offset  the tombstone's offset
 * @param already the message was a tombstone before this call (nothing was changed, nobody told again)
 */
public record Deletion(String epoch, long offset, boolean already) {}
