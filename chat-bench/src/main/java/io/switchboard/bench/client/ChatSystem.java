package io.switchboard.bench.client;

import java.net.URI;

/** The systems chat-bench drives, each through its own protocol adapter. */
public enum ChatSystem {

    /** Switchboard's protocol (docs/protocol.md) at {@code /ws}. */
    SWITCHBOARD("/ws", "") {
        @Override
        public Member join(Transport transport, Endpoints endpoints, int index, String name, String room,
                Member.Events events) {
            return SwitchboardMember.start(transport, endpoints, endpoints.at(index), name, room, events);
        }
    },

    /** The Socket.IO 4.8 peer in chat-bench/peers/socketio, spoken to as Engine.IO v4 over a plain WebSocket. */
    SOCKETIO("/socket.io/", "EIO=4&transport=websocket") {
        @Override
        public Member join(Transport transport, Endpoints endpoints, int index, String name, String room,
                Member.Events events) {
            return SocketIoMember.start(transport, endpoints.at(index), room, events);
        }
    };

    private final String defaultPath;
    private final String query;

    ChatSystem(String defaultPath, String query) {
        this.defaultPath = defaultPath;
        this.query = query;
    }

    /**
     * Starts a member: connects to the {@code index}-th endpoint and joins {@code room}; see
     * {@link Member#joined()} for when it is in.
     */
    public abstract Member join(Transport transport, Endpoints endpoints, int index, String name, String room,
            Member.Events events);

    /** The address as given, with the system's path and query added when the user gave only host and port. */
    public URI address(URI given) {
        String path = given.getPath() == null || given.getPath().isEmpty() || given.getPath().equals("/")
                ? defaultPath : given.getPath();
        String q = given.getQuery() == null ? (query.isEmpty() ? null : query) : given.getQuery();
        return URI.create(given.getScheme() + "://" + given.getAuthority() + path + (q == null ? "" : "?" + q));
    }
}
