package io.switchboard.session;

/**
 * The budgets a join draws on when it creates a room that does not exist yet ({@code
 * switchboard.limits.new-rooms}): its connection's, its user's (jwt mode) and its address's on this
 * node. Without them one client could make up rooms faster than they expire and fill the broker.
 */
final class NewRoomRates {

    private final KeyedRates byUser;
    private final KeyedRates byAddress;

    NewRoomRates(KeyedRates byUser, KeyedRates byAddress) {
        this.byUser = byUser;
        this.byAddress = byAddress;
    }

    /** 0 if every budget has a room left now, else the milliseconds until all have; takes nothing. */
    long waitFor(RateLimiter connection, String user, String address) {
        long wait = connection.waitWithoutTaking(System.nanoTime());
        if (user != null) {
            wait = Math.max(wait, byUser.peek(user));
        }
        if (address != null) {
            wait = Math.max(wait, byAddress.peek(address));
        }
        return wait;
    }

    /** A room was created: taken from every budget, into debt if joins in flight overspent it. */
    void charge(RateLimiter connection, String user, String address) {
        connection.charge(System.nanoTime());
        if (user != null) {
            byUser.charge(user);
        }
        if (address != null) {
            byAddress.charge(address);
        }
    }
}
