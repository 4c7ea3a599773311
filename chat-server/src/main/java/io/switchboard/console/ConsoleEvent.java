package io.switchboard.console;

/**
 * Something the console's events list shows.
 *
 * @param at     when (epoch ms)
 * @param kind   {@code node joined}, {@code node died}, {@code drain started}, {@code drain finished},
 *               {@code drain cancelled}, {@code rebalance started}, {@code rebalance round},
 *               {@code rebalance ended}
 * @param node   the node it is about
 * @param detail more, in words (may be empty)
 */
record ConsoleEvent(long at, String kind, String node, String detail) {}
