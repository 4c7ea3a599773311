package io.switchboard.config;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.NestedConfigurationProperty;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * Every Switchboard setting, prefix {@code switchboard}. Redis itself is configured the Spring
 * Boot way ({@code spring.data.redis.*}: standalone, Sentinel or Cluster).
 *
 * @param broker         {@code memory} (one node, nothing shared) or {@code redis} (a cluster)
 * @param nodeId         this node's name in presence, {@code welcome}, the cluster view and logs; empty means
 *                       host name plus a random suffix
 * @param allowedOrigins origin patterns a cross-origin page may open {@code /ws} from (none by default: same-origin pages and non-browser clients only)
 * @param permessageDeflate accept a client's offer of WebSocket compression (permessage-deflate),
 *                       without context takeover in either direction, so a room's frame is
 *                       compressed once per node for all its members; off by default
 * @param trustedProxies addresses or CIDR ranges ({@code 10.0.0.0/8}, {@code ::1}) of the proxies in
 *                       front of the nodes; a client's address is then read from the
 *                       {@code X-Forwarded-For} they send (its rightmost address that is not a
 *                       trusted proxy). None by default: the socket's peer is the client, and
 *                       forwarding headers are ignored
 * @param additionalPorts more ports the chat server listens on, on {@code server.address}, each
 *                       serving {@code /ws} and the page as {@code server.port} does. A proxy has
 *                       at most ~64,000 source ports towards one address and port (Linux's default
 *                       range: ~28,000); each listed port gives it that many more towards this
 *                       node (docs/operations.md, "More connections than one proxy's source
 *                       ports"). None by default
 */
@ConfigurationProperties("switchboard")
public record SwitchboardProperties(
        @DefaultValue("memory") BrokerType broker,
        @DefaultValue("") String nodeId,
        @DefaultValue List<String> allowedOrigins,
        @DefaultValue("false") boolean permessageDeflate,
        @DefaultValue List<String> trustedProxies,
        @DefaultValue List<Integer> additionalPorts,
        @DefaultValue @NestedConfigurationProperty Limits limits,
        @DefaultValue History history,
        @DefaultValue Outbox outbox,
        @DefaultValue Redis redis,
        @DefaultValue Cluster cluster,
        @DefaultValue Drain drain,
        @DefaultValue Rebalance rebalance,
        @DefaultValue Presence presence,
        @DefaultValue Rooms rooms,
        @DefaultValue Auth auth,
        @DefaultValue Heartbeat heartbeat,
        @DefaultValue Management management,
        @DefaultValue Api api) {

    /**
     * The server API (docs/api.md): the app's own backend posts into rooms and reads them, on the
     * chat port under {@code /api/}.
     *
     * @param keys              key name → key; a request sends a key as {@code Authorization: Bearer
     *                          <key>}, and logs show its name. Several at once, so that a key can be
     *                          rotated. None (the default): the API is off and answers 404
     * @param requestsPerSecond each key's sustained rate of requests; beyond it (and its burst) 429
     * @param burst             how many requests a key may make at once
     * @param maxBroadcastRooms most rooms one broadcast may name
     */
    public record Api(
            @DefaultValue Map<String, String> keys,
            @DefaultValue("50") double requestsPerSecond,
            @DefaultValue("100") int burst,
            @DefaultValue("100") int maxBroadcastRooms) {

        /** Shortest key taken: a guessable key is no key. */
        public static final int MIN_KEY_LENGTH = 24;

        public Api {
            for (Map.Entry<String, String> key : keys.entrySet()) {
                if (key.getValue() == null || key.getValue().length() < MIN_KEY_LENGTH) {
                    throw new IllegalStateException("switchboard.api.keys." + key.getKey() + " must be at least "
                            + MIN_KEY_LENGTH + " characters (for example: openssl rand -hex 24)");
                }
            }
        }

        @Override
        public String toString() { // never the keys
            return "Api[keys=" + keys.keySet() + ", requestsPerSecond=" + requestsPerSecond + ", burst=" + burst
                    + ", maxBroadcastRooms=" + maxBroadcastRooms + "]";
        }
    }

    /**
     * Credentials for the management port's writes (drain, rebalance).
     *
     * @param username the HTTP Basic user name
     * @param password its password; empty (the default): writes need none, so keep the management
     *                 port off public networks (docs/security.md)
     */
    public record Management(@DefaultValue("switchboard") String username, @DefaultValue("") String password) {

        @Override
        public String toString() { // never the password
            return "Management[username=" + username + ", password=" + (password.isEmpty() ? "" : "(set)") + "]";
        }
    }

    /**
     * Server pings, so that half-open connections (a dead phone, a proxy that dropped the socket
     * without a close) do not stay open for ever.
     *
     * @param interval a connection from which nothing came for this long is pinged
     * @param timeout  one that answers nothing within this after the ping is closed with 4002
     */
    public record Heartbeat(
            @DefaultValue("25s") Duration interval,
            @DefaultValue("10s") Duration timeout) {}

    public enum BrokerType { MEMORY, REDIS }

    public enum AuthMode { ANONYMOUS, JWT }

    /**
     * Who may connect and where they may go (docs/security.md).
     *
     * @param mode        {@code anonymous}: a connection is whoever its {@code hello} names, marked
     *                    as unauthenticated; {@code jwt}: its {@code hello} carries a token, and the
     *                    user is the token's subject
     * @param publicRooms room patterns anyone connected may enter ({@code *} stands for any run of
     *                    characters; {@code *} alone: every room); a token's rooms claim adds more
     * @param jwt         how tokens are verified in {@code jwt} mode
     * @param pageTokenUrl in {@code jwt} mode, where the page the node serves gets a token: an address of
     *                    the embedding app that answers its signed-in user's token (docs/client.md); none: the
     *                    page says it cannot sign in
     */
    public record Auth(
            @DefaultValue("anonymous") AuthMode mode,
            @DefaultValue("*") List<String> publicRooms,
            @DefaultValue Jwt jwt,
            @DefaultValue("") String pageTokenUrl) {}

    /**
     * Token verification ({@code switchboard.auth.mode=jwt}).
     *
     * @param secret     HMAC key (HS256), at least 32 bytes; or
     * @param jwkSetUri  the issuer's JWKS address (RS256 keys), fetched when a token first needs a key,
     *                   not at startup
     * @param issuer     the {@code iss} a token must have
     * @param audience   the value its {@code aud} must contain
     * @param clockSkew  how far {@code exp} and {@code nbf} may be off this node's clock
     * @param nameClaim  the claim that names the user (then {@code preferred_username}, then {@code sub})
     * @param roomsClaim the claim listing room patterns the user may enter besides the public ones
     * @param jwksCacheTtl how long a fetched key set is used before the next token fetches it again
     * @param jwksRefetchInterval the key set is fetched at most twice per this interval, however many
     *                   tokens with key ids it lacks arrive (those beyond are refused without a
     *                   fetch), so a key the issuer rotates in is taken within it; shorter than
     *                   {@code jwksCacheTtl}
     * @param jwksConnectTimeout a fetch that has not connected to the issuer within this fails
     * @param jwksReadTimeout a fetch fails when a read waits longer than this for the issuer's answer;
     *                   verifications waiting for another's fetch give up after both timeouts together
     * @param jwksSizeLimit a key set larger than this is refused
     */
    public record Jwt(
            @DefaultValue("") String secret,
            @DefaultValue("") String jwkSetUri,
            @DefaultValue("") String issuer,
            @DefaultValue("") String audience,
            @DefaultValue("30s") Duration clockSkew,
            @DefaultValue("name") String nameClaim,
            @DefaultValue("rooms") String roomsClaim,
            @DefaultValue("5m") Duration jwksCacheTtl,
            @DefaultValue("30s") Duration jwksRefetchInterval,
            @DefaultValue("2s") Duration jwksConnectTimeout,
            @DefaultValue("2s") Duration jwksReadTimeout,
            @DefaultValue("50KB") DataSize jwksSizeLimit) {

        @Override
        public String toString() { // never the secret
            return "Jwt[secret=" + (secret.isEmpty() ? "" : "(set)") + ", jwkSetUri=" + jwkSetUri + ", issuer=" + issuer
                    + ", audience=" + audience + ", clockSkew=" + clockSkew + ", nameClaim=" + nameClaim
                    + ", roomsClaim=" + roomsClaim + ", jwksCacheTtl=" + jwksCacheTtl + ", jwksRefetchInterval="
                    + jwksRefetchInterval + ", jwksConnectTimeout=" + jwksConnectTimeout + ", jwksReadTimeout="
                    + jwksReadTimeout + ", jwksSizeLimit=" + jwksSizeLimit + "]";
        }
    }

    /**
     * The room lanes: the threads that own rooms (one per core, at least two).
     *
     * @param laneCapacity joins, publications and typing notices waiting on one lane at most. Beyond
     *                     it a join is answered {@code overloaded}, a publication is read from the
     *                     log later (one catch-up per room), a typing notice is dropped
     */
    public record Rooms(@DefaultValue("100000") int laneCapacity) {}

    /**
     * Who is in a room, for rooms of any size.
     *
     * @param listLimit     most members a {@code joined} frame lists. A room with more members gets no
     *                      {@code presence} frame per join and leave (that would cost the square of its
     *                      size): its members get the member count instead
     * @param countInterval how often, at most, a large room's member count is sent when it changed
     * @param batchInterval how long a node gathers a room's joins and leaves into one {@code presence}
     *                      frame: filling a room of n one by one sends n² frames, gathered far fewer. 0
     *                      sends each change at once
     * @param ttl           a presence entry in Redis expires this long after its node last refreshed
     *                      it (every third of it): what a node gone without cleaning up leaves
     *                      behind heals by itself
     */
    public record Presence(
            @DefaultValue("100") int listLimit,
            @DefaultValue("2s") Duration countInterval,
            @DefaultValue("30s") Duration ttl,
            @DefaultValue("250ms") Duration batchInterval) {}

    /**
     * Each room's log.
     *
     * @param size      messages kept per room (the oldest are trimmed)
     * @param maxReplay most messages replayed to a resuming client before {@code recovered=false}
     * @param dedupeTtl how long a clientMsgId is remembered, so a retry within it is not stored twice
     * @param retention how long a room's log and position are kept after its last message; then
     *                  they expire, and the room's next message starts a new epoch
     * @param emptyRoomRetention how long a room that never held a message is kept after its last
     *                  member left (or the node holding its members died); at most the retention.
     *                  Keep it above {@code presence.ttl}: members' presence refreshes keep it alive
     * @param maxRooms  rooms the in-memory broker keeps at most (with {@code broker=memory}); when
     *                  full it first forgets the rooms that hold no message and no member, then a
     *                  join or send for one more is answered {@code broker_unavailable}, saying so,
     *                  until rooms expire
     */
    public record History(
            @DefaultValue("1000") int size,
            @DefaultValue("1000") int maxReplay,
            @DefaultValue("10m") Duration dedupeTtl,
            @DefaultValue("30d") Duration retention,
            @DefaultValue("5m") Duration emptyRoomRetention,
            @DefaultValue("100000") int maxRooms) {

        /** A room that never held a message is kept no longer than one that did. */
        public Duration emptyRoomRetentionInEffect() {
            return emptyRoomRetention.compareTo(retention) < 0 ? emptyRoomRetention : retention;
        }
    }

    /**
     * Each connection's bounded send queue; a client that falls this far behind is closed with 4008.
     *
     * @param maxMessages frames queued at most
     * @param maxBytes    bytes (the frames' UTF-8 encoding) queued at most
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
     * @param requestQueueSize  Redis commands a connection holds while they wait for their answers; one
     *                          more is refused at once ({@code broker_unavailable} to the client)
     *                          instead of queueing without bound while Redis is slow
     * @param ackReplicas       {@code 0}: a send is acknowledged once the primary stored it. More: only
     *                          once that many replicas have it too ({@code WAIT}), so a failover cannot
     *                          lose an acknowledged message; a send they do not confirm within
     *                          {@code ackTimeout} is answered {@code broker_unavailable} (stored; a retry
     *                          with the same clientMsgId is acknowledged once replicated)
     * @param ackTimeout        how long a send waits for its replicas
     */
    public record Redis(
            @DefaultValue("sb:") String keyPrefix,
            @DefaultValue("2s") Duration reconnectMaxDelay,
            @DefaultValue("10000") int requestQueueSize,
            @DefaultValue("0") int ackReplicas,
            @DefaultValue("1s") Duration ackTimeout) {}

    /**
     * The node registry: every node writes its state and connection count on each heartbeat.
     *
     * @param heartbeat how often a node writes its entry and looks for dead nodes
     * @param ttl       a node silent this long is dead: it leaves the registry and its members leave presence
     * @param address   the address other operators reach this node by, shown in the cluster view; empty
     *                  means host name and {@code server.port}. Its host, with the management port,
     *                  is where other nodes read this node's health
     * @param cutOffGrace a node that cannot reach Redis while another node can, for this long, moves
     *                  its clients to the other nodes (the drain way: reconnect, 1012, paced over
     *                  {@code drain.window}); its readiness drops after a second without Redis. When
     *                  no node can reach Redis (an outage), connections stay where they are
     */
    public record Cluster(
            @DefaultValue("2s") Duration heartbeat,
            @DefaultValue("10s") Duration ttl,
            @DefaultValue("") String address,
            @DefaultValue("5s") Duration cutOffGrace) {}

    /**
     * Draining a node ({@code POST /actuator/drain}, and on SIGTERM): refuse new connections, then
     * move every session to the other nodes, paced.
     *
     * @param healthCheckWait how long to keep refusing before moving anyone, so the load balancer's
     *                        health checks see the node as not ready first
     * @param window          sessions are moved evenly over this time (unless {@code rate} is set)
     * @param rate            sessions moved per second; {@code 0} means spread evenly over {@code window}
     * @param reconnectJitter each moved client is told to wait a random delay up to this before reconnecting
     * @param retryAfter      {@code Retry-After} of the {@code 503} a handshake gets while the node is not
     *                        ready (draining, starting, stopping, or without Redis); whole seconds, at least 1
     * @param maxConcurrent   nodes of the cluster that may drain at once; more requests get {@code 409}
     * @param shutdownTimeout the longest a SIGTERM waits: for another node's drain, then for its own
     */
    public record Drain(
            @DefaultValue("3s") Duration healthCheckWait,
            @DefaultValue("10s") Duration window,
            @DefaultValue("0") double rate,
            @DefaultValue("500ms") Duration reconnectJitter,
            @DefaultValue("5s") Duration retryAfter,
            @DefaultValue("1") int maxConcurrent,
            @DefaultValue("30s") Duration shutdownTimeout) {}

    /**
     * Evening out connections after a scale-out. A node is over when its count exceeds the mean of
     * the ready nodes by more than {@code max(toleranceAbsolute, toleranceRelative * mean)}; it then
     * sheds its excess over the mean, the drain way. When none is, but a node is that far below the
     * mean, the nodes above the mean shed their excess.
     *
     * @param auto              start a rebalance by itself when this node joins a cluster
     * @param settleDelay       how long a joining node waits (ready) before that automatic rebalance
     * @param toleranceAbsolute connections above or below the mean that are always tolerated
     * @param toleranceRelative fraction of the mean above or below it that is tolerated
     * @param window            an over node sheds its excess evenly over this time
     * @param timeout           a rebalance stops after this long, balanced or not
     */
    public record Rebalance(
            @DefaultValue("true") boolean auto,
            @DefaultValue("10s") Duration settleDelay,
            @DefaultValue("3") int toleranceAbsolute,
            @DefaultValue("0.1") double toleranceRelative,
            @DefaultValue("10s") Duration window,
            @DefaultValue("2m") Duration timeout) {}
}
