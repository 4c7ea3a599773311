package io.switchboard.broker;

import java.util.List;

/**
 * One page of the rooms that exist ({@link Broker#rooms}): {@code next} is the cursor of the next
 * page, null after the last. A page may hold fewer rooms than asked for, even none, while more follow.
 */
public record RoomPage(List<String> rooms, String next) {}
