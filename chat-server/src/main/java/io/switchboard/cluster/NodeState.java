package io.switchboard.cluster;

import com.fasterxml.jackson.annotation.JsonValue;

/** What a node is doing, as the registry shows it. The wire value is the lower-case name. */
public enum NodeState {
    /** Accepting connections. */
    READY,
    /** Refusing new connections and moving its sessions to other nodes. */
    DRAINING,
    /** Drained: it holds no session and refuses new ones until the drain is cancelled or it stops. */
    DRAINED;

    @JsonValue
    public String wire() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
