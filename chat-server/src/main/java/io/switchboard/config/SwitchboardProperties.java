package io.switchboard.config;

import java.time.Duration;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * Every Switchboard setting, prefix {@code switchboard}. Redis itself is configured the Spring
 * Boot way ({@code spring.data.redis.*}: standalone, Sentinel or Cluster).
 *
 * @param broker         {@code memory} (one node, nothing shared) or {@code redis} (a cluster)
 * @param nodeId         this node's name in presence and logs; empty means host name plus a random suffix
 * @param allowedOrigins origins allowed to open {@code /ws} ({@code *} for any)
 */
@ConfigurationProperties("switchboard")
public record SwitchboardProperties(
        @DefaultValue("memory") BrokerType broker,
        @DefaultValue("") String nodeId,
        @DefaultValue("*") List<String> allowedOrigins,
        @DefaultValue Limits limits,
        @DefaultValue History history,
        @DefaultValue Presence presence,
        @DefaultValue Outbox outbox,
        @DefaultValue Redis redis) {

    public enum BrokerType { MEMORY, REDIS }

    /**
     * What one connection may send.
     *
     * @param maxFrameLength    longest text frame in characters (UTF-16 code units); a longer one closes
     *                          the connection with 1009. Each connection holds a buffer of this size
     * @param maxTextLength     longest {@code send} text, in UTF-16 characters
     * @param messagesPerSecond sustained {@code send} rate per connection
     * @param burst             sends allowed at once above the sustained rate
     * @param maxRoomsPerSession rooms one connection may be in
     */
    public record Limits(
            @DefaultValue("16384") int maxFrameLength,
            @DefaultValue("4000") int maxTextLength,
            @DefaultValue("20") double messagesPerSecond,
            @DefaultValue("40") int burst,
            @DefaultValue("100") int maxRoomsPerSession) {}

    /**
     * Each room's log.
     *
     * @param size      messages kept per room (the oldest are trimmed)
     * @param maxReplay most messages replayed to a resuming client before {@code recovered=false}
     * @param dedupeTtl how long a clientMsgId is remembered, so a retry within it is not stored twice
     */
    public record History(
            @DefaultValue("1000") int size,
            @DefaultValue("1000") int maxReplay,
            @DefaultValue("10m") Duration dedupeTtl) {}

    /**
     * Cluster-wide presence.
     *
     * @param ttl       a node that has not sent a heartbeat for this long is dead, and its members leave
     * @param heartbeat how often a node says it is alive and looks for dead ones
     */
    public record Presence(
            @DefaultValue("15s") Duration ttl,
            @DefaultValue("5s") Duration heartbeat) {}

    /**
     * Each connection's bounded send queue; a client that falls this far behind is closed with 4008.
     *
     * @param maxMessages frames queued at most
     * @param maxBytes    bytes (UTF-16 characters times two) queued at most
     * @param sendTimeout a write to the socket that makes no progress for this long closes the connection
     */
    public record Outbox(
            @DefaultValue("1024") int maxMessages,
            @DefaultValue("4MB") DataSize maxBytes,
            @DefaultValue("10s") Duration sendTimeout) {}

    /**
     * Redis use, when {@code broker=redis}.
     *
     * @param keyPrefix         prefix of every key and channel Switchboard uses
     * @param reconnectMaxDelay longest wait between reconnect attempts (exponential backoff up to it)
     */
    public record Redis(
            @DefaultValue("sb:") String keyPrefix,
            @DefaultValue("2s") Duration reconnectMaxDelay) {}
}
