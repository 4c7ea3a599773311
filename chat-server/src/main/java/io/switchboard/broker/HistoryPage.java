package io.switchboard.broker;

import io.switchboard.protocol.StoredMessage;
import java.util.List;

/**
 * A slice of a room's log.
 *
 * @param epoch       the room's current epoch
 * @param offset      the room's current position: its highest offset readers may see (with
 *                    {@code ack-replicas}, the highest the replicas confirmed; else the highest stored)
 * @param firstOffset the oldest offset still stored, or {@code offset + 1} when the log is empty
 * @param messages    the slice, oldest first
 * @param created     whether the read created the room (it did not exist: never written, or forgotten)
 * @param stored      the highest offset stored: above {@code offset} only with {@code ack-replicas}, for
 *                    messages the replicas have not confirmed yet (or whose confirmation a failover lost)
 */
public record HistoryPage(String epoch, long offset, long firstOffset, List<StoredMessage> messages, boolean created,
                          long stored) {}
