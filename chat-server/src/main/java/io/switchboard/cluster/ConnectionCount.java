package io.switchboard.cluster;

/**
 * How many connections this node holds now, as its registry entry says it: the session layer above
 * provides it, so that the registry needs nothing of the session.
 */
@FunctionalInterface
public interface ConnectionCount {

    int count();
}
