package io.switchboard.redis;

import java.util.List;

/**
 * Every Redis key and channel Switchboard uses: the one place that names them. With {@code P} the
 * key prefix ({@code switchboard.redis.key-prefix}, default {@code sb:}) and {@code R} a room. The
 * braces are a Redis Cluster hash tag: all of one room's keys live on one slot, and so do the
 * cluster's.
 *
 * <table>
 *   <caption>Keys and channels</caption>
 *   <tr><th>key / channel</th><th>type</th><th>written by</th><th>life</th></tr>
 *   <tr><td>{@code P{R}:meta}</td><td>hash {@code epoch}, {@code offset}; with {@code ack-replicas}
 *       also {@code acked} (the last offset relayed once replicated, up to which reads see the log); a
 *       deleted message's tombstone as {@code t<offset>}, counted in {@code tombstones}</td>
 *       <td>{@code publish.lua}, {@code history.lua} (a join's as part of {@code join.lua}), {@code fence.lua},
 *       {@code relay.lua}, {@code delete.lua};
 *       {@code presence.lua} extends a message-less one</td>
 *       <td>{@code history.retention} after the last message; {@code history.empty-room-retention}
 *       after the last presence call while it holds none</td></tr>
 *   <tr><td>{@code P{R}:log}</td><td>stream, ids {@code <offset>-0}, field {@code d} = message body</td>
 *       <td>{@code publish.lua}</td><td>as {@code meta}; capped at {@code history.size}</td></tr>
 *   <tr><td>{@code P{R}:dedupe:<scope>/<clientMsgId>}</td><td>string {@code <epoch>:<offset>}</td>
 *       <td>{@code publish.lua}</td><td>{@code history.dedupe-ttl}</td></tr>
 *   <tr><td>{@code P{R}:bans}</td><td>sorted set user → end of its ban (epoch ms, {@code inf} for good)</td>
 *       <td>{@code ban.lua}</td><td>until its last ban ends</td></tr>
 *   <tr><td>{@code P{R}:events}</td><td>stream: the room's events for the webhooks, fields {@code t}
 *       type, {@code s} seq, {@code e} epoch, {@code o} offset, {@code d} body or member JSON</td>
 *       <td>{@code publish.lua}, {@code delete.lua}, {@code presence.lua}; trimmed by {@code advance.lua}</td>
 *       <td>as {@code log}; presence's as {@code history.retention}</td></tr>
 *   <tr><td>{@code P{R}:events:state}</td><td>hash {@code seq}, and {@code c:<webhook>}: the last event
 *       id each webhook has had</td><td>the same scripts, {@code advance.lua}</td><td>as {@code events}</td></tr>
 *   <tr><td>{@code P{webhooks}:due}</td><td>sorted set room → when its events were marked undelivered
 *       (above 10^15: held by a node, until then)</td><td>the room scripts (on a Redis Cluster the node,
 *       after them), {@code claim.lua}, {@code release.lua}</td><td>entries removed once delivered</td></tr>
 *   <tr><td>{@code P{webhooks}:leases}</td><td>hash room → {@code <node> <expiry ms>}: who delivers
 *       the room's events</td><td>{@code claim.lua}, {@code release.lua}</td><td>as {@code due}</td></tr>
 *   <tr><td>{@code P{webhooks}:sweep}</td><td>string: the node looking over every room's events this
 *       round (Redis Cluster only)</td><td>{@code RedisEventFeed}</td><td>{@code webhook-delivery.sweep-interval}</td></tr>
 *   <tr><td>{@code P{webhooks}:dead:<webhook>}</td><td>stream of parked events: {@code room}, {@code event}
 *       (the JSON sent), {@code error}</td><td>{@code RedisEventFeed}</td><td>capped at
 *       {@code webhook-delivery.dead-letters}</td></tr>
 *   <tr><td>{@code P{R}:presence}</td><td>hash member id → member JSON</td><td>{@code presence.lua}</td>
 *       <td>two {@code presence.ttl} after its first member's join or a node's last refresh</td></tr>
 *   <tr><td>{@code P{R}:presence:expiry}</td><td>sorted set member id → expiry (epoch ms, Redis time)</td>
 *       <td>{@code presence.lua}</td><td>as {@code presence}</td></tr>
 *   <tr><td>{@code Pnode:<node>:members}</td><td>set of {@code <room>\n<member id>}: what to remove
 *       when the node dies</td><td>{@code RedisPresence} (in batches: {@code MemberIndex})</td><td>two {@code presence.ttl} after the
 *       node's last refresh</td></tr>
 *   <tr><td>{@code P{conns:<key>}}</td><td>hash connection id → node id, per user
 *       ({@code user:<id>}) or address ({@code ip:<address>})</td><td>{@code connections.lua}</td>
 *       <td>a day after its last new connection</td></tr>
 *   <tr><td>{@code Pnode:<node>:connections}</td><td>set of {@code <key>\n<connection id>}: what the
 *       node counted</td><td>{@code RedisConnectionLimits}</td><td>as {@code P{conns:<key>}}</td></tr>
 *   <tr><td>{@code P{cluster}:nodes}</td><td>sorted set node → heartbeat expiry (epoch ms)</td>
 *       <td>{@code heartbeat.lua}, {@code drain.lua}</td><td>entries removed by the node that sees
 *       them expire</td></tr>
 *   <tr><td>{@code P{cluster}:node-info}</td><td>hash node → JSON {@code {id, state, version, address,
 *       connections, startedAt, heartbeatAt, management}}</td><td>the same scripts</td><td>as
 *       {@code nodes}</td></tr>
 *   <tr><td>{@code P{cluster}:rebalance:lock}</td><td>string: id of the running rebalance</td>
 *       <td>{@code start.lua}, {@code RedisRebalancer}</td><td>{@code rebalance.timeout}</td></tr>
 *   <tr><td>{@code P{cluster}:rebalance}</td><td>string: JSON of the last rebalance</td>
 *       <td>{@code start.lua}, {@code RedisRebalancer}</td><td>until the next one</td></tr>
 *   <tr><td>{@code P{cluster}:rebalance:shed}</td><td>hash node → connections shed in the running
 *       rebalance</td><td>{@code start.lua}, {@code RedisRebalancer}</td><td>until the next one</td></tr>
 *   <tr><td>{@code P{cluster}:console:samples:<node>}</td><td>stream of the node's console samples (JSON,
 *       one a second)</td><td>{@code RedisConsoleStore}</td><td>capped at 1,000; 16 minutes after the
 *       node's last</td></tr>
 *   <tr><td>{@code P{cluster}:console:sampled}</td><td>sorted set node → its last sample (epoch ms)</td>
 *       <td>{@code RedisConsoleStore}</td><td>entries older than 15 minutes removed</td></tr>
 *   <tr><td>{@code P{cluster}:console:events}</td><td>stream of the console's events: {@code t},
 *       {@code kind}, {@code node}, {@code detail}</td><td>{@code RedisConsoleStore}</td><td>capped at 500</td></tr>
 *   <tr><td>channel {@code P{R}}</td><td>pub/sub (sharded on a Redis Cluster): {@code p<epoch>\n<offset>\n<body>}
 *       a stored message, {@code e<frame>} an ephemeral frame (presence, typing, {@code deleted}; {@code t<frame>} typing and
 *       {@code r<frame>} presence are read too)</td><td>{@code publish.lua}, {@code relay.lua},
 *       {@code delete.lua}, {@code RedisBroker}</td><td></td></tr>
 *   <tr><td>channel {@code P{cluster}:control}</td><td>pub/sub: node-to-node control,
 *       {@code shed <rebalance id> <node> <count>}, {@code disconnect <json>}, {@code remove <json>}</td><td>{@code
 *       RedisRebalancer}, {@code Moderation}</td><td></td></tr>
 * </table>
 *
 * docs/operations.md ("Redis keys and channels") lists the same; {@code RedisKeysDocsTests} holds
 * the two together through {@link #layout()}.
 */
public final class RedisKeys {

    private final String prefix;

    public RedisKeys(String prefix) {
        this.prefix = prefix;
    }

    /** The room's channel, and the hash tag every key of the room starts with. */
    public String channel(String room) {
        return prefix + "{" + room + "}";
    }

    /** The room from its channel. */
    public String roomOf(String channel) {
        return channel.substring(prefix.length() + 1, channel.length() - 1);
    }

    public String meta(String room) {
        return channel(room) + ":meta";
    }

    public String log(String room) {
        return channel(room) + ":log";
    }

    public String dedupe(String room, String scopedClientMsgId) {
        return channel(room) + ":dedupe:" + scopedClientMsgId;
    }

    public String bans(String room) {
        return channel(room) + ":bans";
    }

    public String events(String room) {
        return channel(room) + ":events";
    }

    public String eventState(String room) {
        return channel(room) + ":events:state";
    }

    public String webhooksDue() {
        return prefix + "{webhooks}:due";
    }

    public String webhooksLeases() {
        return prefix + "{webhooks}:leases";
    }

    public String webhooksSweep() {
        return prefix + "{webhooks}:sweep";
    }

    /** A SCAN pattern for the key of every room that ends in {@code suffix}: {@code P{*}<suffix>}, {@code P} taken literally. */
    public String everyRoom(String suffix) {
        return prefix.replaceAll("([*?\\[\\]\\\\])", "\\\\$1") + "{*}" + suffix;
    }

    public String deadLetters(String webhook) {
        return prefix + "{webhooks}:dead:" + webhook;
    }

    public String presence(String room) {
        return channel(room) + ":presence";
    }

    public String presenceExpiry(String room) {
        return channel(room) + ":presence:expiry";
    }

    public String nodeMembers(String node) {
        return prefix + "node:" + node + ":members";
    }

    /** {@code key}: {@code user:<id>} or {@code ip:<address>}. */
    public String connections(String key) {
        return prefix + "{conns:" + key + "}";
    }

    public String nodeConnections(String node) {
        return prefix + "node:" + node + ":connections";
    }

    public String nodes() {
        return prefix + "{cluster}:nodes";
    }

    public String nodeInfo() {
        return prefix + "{cluster}:node-info";
    }

    public String rebalanceLock() {
        return prefix + "{cluster}:rebalance:lock";
    }

    public String rebalance() {
        return prefix + "{cluster}:rebalance";
    }

    public String rebalanceShed() {
        return prefix + "{cluster}:rebalance:shed";
    }

    public String consoleSamples(String node) {
        return prefix + "{cluster}:console:samples:" + node;
    }

    public String consoleSampled() {
        return prefix + "{cluster}:console:sampled";
    }

    public String consoleEvents() {
        return prefix + "{cluster}:console:events";
    }

    public String control() {
        return prefix + "{cluster}:control";
    }

    /** Every key and channel as the docs write it ({@code P}, {@code R}, {@code <node>}, ...): channels start with {@code "channel "}. */
    public static List<String> layout() {
        RedisKeys keys = new RedisKeys("P");
        return List.of(keys.meta("R"), keys.log("R"), keys.dedupe("R", "<scope>/<clientMsgId>"), keys.bans("R"),
                keys.events("R"), keys.eventState("R"), keys.webhooksDue(), keys.webhooksLeases(),
                keys.webhooksSweep(), keys.deadLetters("<webhook>"), keys.presence("R"),
                keys.presenceExpiry("R"), keys.nodeMembers("<node>"), keys.connections("<key>"),
                keys.nodeConnections("<node>"), keys.nodes(), keys.nodeInfo(), keys.rebalanceLock(), keys.rebalance(),
                keys.rebalanceShed(), keys.consoleSamples("<node>"), keys.consoleSampled(), keys.consoleEvents(),
                "channel " + keys.channel("R"), "channel " + keys.control());
    }
}
