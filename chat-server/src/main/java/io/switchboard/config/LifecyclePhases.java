package io.switchboard.config;

/**
 * The order in which Switchboard's beans stop (a higher phase stops first). On a clean stop the
 * drain runs before the web server stops; once the web server has closed every connection, the
 * rooms finish their leaves, presence removes what is left of this node's members, the rebalancer
 * and the node registry leave the cluster, and the broker closes its Redis connections: all before
 * Spring's Redis connection factory stops (phase 0), so nothing talks to a stopped factory.
 */
public final class LifecyclePhases {

    /** Rooms: its lanes finish the leaves of the last closed connections. */
    public static final int ROOMS = 1400;
    /** Presence: removes this node's remaining members; stops counting and refreshing. */
    public static final int PRESENCE = 1300;
    /** The presence store: closes its connection once presence has finished with it. */
    public static final int PRESENCE_STORE = 1250;
    /** Rebalancer: stops listening to the control channel. */
    public static final int REBALANCER = 1200;
    /** The console: stops sampling (its store's connection closes). */
    public static final int CONSOLE = 1160;
    /** Webhooks: stop delivering, and give the rooms they held back for another node to go on with. */
    public static final int WEBHOOKS = 1150;
    /** Node registry: removes this node's entry. */
    public static final int REGISTRY = 1100;
    /** Broker: closes its command and pub/sub connections. */
    public static final int BROKER = 1000;

    private LifecyclePhases() {
    }
}
