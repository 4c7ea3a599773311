package io.switchboard.support;


/** Two nodes in this JVM on one Redis setup (keys under a fresh prefix): Ada connected to the first, Bob to the second. */
public final class TwoNodes implements AutoCloseable {

    /** The key prefix of both nodes ({@code switchboard.redis.key-prefix}). */
    public final String prefix = Unique.prefix("t");
    public final Node n1;
    public final Node n2;
    public final ChatClient ada;
    public final ChatClient bob;

    /** {@code settings} say where Redis is (Sentinel, Cluster); the port is for a single Redis. */
    public TwoNodes(int redisPort, String... settings) {
        n1 = Node.onRedis(redisPort, prefix, "n1", settings);
        n2 = Node.onRedis(redisPort, prefix, "n2", settings);
        ada = ChatClient.connect(n1.port(), "Ada");
        bob = ChatClient.connect(n2.port(), "Bob");
    }

    /** Ada and Bob join {@code room}. */
    public TwoNodes join(String room) {
        ada.join(room);
        bob.join(room);
        return this;
    }

    @Override
    public void close() {
        bob.close();
        ada.close();
        n2.close();
        n1.close();
    }
}
