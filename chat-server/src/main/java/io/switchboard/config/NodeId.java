package io.switchboard.config;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.concurrent.ThreadLocalRandom;

/** This node's name: {@code switchboard.node-id}, or the host name with a random suffix. */
public record NodeId(String value) {

    public static NodeId from(SwitchboardProperties properties) {
        if (!properties.nodeId().isBlank()) {
            return new NodeId(properties.nodeId());
        }
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            host = "node";
        }
        return new NodeId(host + "-" + Integer.toString(ThreadLocalRandom.current().nextInt(1 << 20, 1 << 24), 36));
    }

    @Override
    public String toString() {
        return value;
    }
}
