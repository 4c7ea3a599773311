package io.switchboard.config;

import java.time.Duration;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * What one connection may send ({@code switchboard.limits}).
 *
 * @param maxFrameLength    longest text message in bytes (UTF-8); a longer one closes the
 *                          connection with 1009
 * @param maxTextLength     longest {@code send} text, in UTF-16 characters
 * @param messagesPerSecond sustained {@code send} and {@code typing} rate per connection
 * @param burst             sends and typing notices allowed at once above the sustained rate
 * @param maxRoomsPerSession rooms one connection may be in, joins in flight included
 * @param joinsPerSecond    sustained {@code join}, {@code leave} and {@code history} rate per connection
 * @param joinBurst         joins, leaves and history requests allowed at once above that rate (a
 *                          reconnecting client rejoins all its rooms at once)
 * @param abuseThreshold    frames refused in a row for a rate limit before the connection is
 *                          closed with 1008
 * @param userMessagesPerSecond sustained sends and typing notices per user (jwt mode) on each
 *                          node, all its connections together
 * @param userBurst         a user's sends and typing notices allowed at once above that rate
 * @param maxConnectionsPerUser connections one user (jwt mode) may hold across the cluster
 * @param maxConnectionsPerIp   connections one client address may hold across the cluster; 0: no
 *                          limit (behind a load balancer, see docs/security.md first)
 * @param handshakesPerSecondPerIp sustained WebSocket handshakes per client address and node; 0:
 *                          no limit
 * @param handshakeBurstPerIp handshakes allowed at once above that rate
 * @param otherFramesPerSecond sustained rate per connection of every other frame: {@code hello},
 *                          {@code auth}, {@code ping}, WebSocket pings, and frames refused as
 *                          invalid (a refused WebSocket ping is not answered)
 * @param otherBurst        such frames allowed at once above that rate
 * @param helloTimeout      a connection that has not said {@code hello} this long after it opened
 *                          is closed with 4003
 * @param newRooms          how fast connections may create rooms that do not exist yet
 */
public record Limits(
        @DefaultValue("16384") int maxFrameLength,
        @DefaultValue("4000") int maxTextLength,
        @DefaultValue("20") double messagesPerSecond,
        @DefaultValue("40") int burst,
        @DefaultValue("100") int maxRoomsPerSession,
        @DefaultValue("50") double joinsPerSecond,
        @DefaultValue("300") int joinBurst,
        @DefaultValue("50") int abuseThreshold,
        @DefaultValue("40") double userMessagesPerSecond,
        @DefaultValue("80") int userBurst,
        @DefaultValue("20") int maxConnectionsPerUser,
        @DefaultValue("0") int maxConnectionsPerIp,
        @DefaultValue("0") double handshakesPerSecondPerIp,
        @DefaultValue("20") int handshakeBurstPerIp,
        @DefaultValue("5") double otherFramesPerSecond,
        @DefaultValue("20") int otherBurst,
        @DefaultValue("10s") Duration helloTimeout,
        @DefaultValue NewRooms newRooms) {

    /**
     * Joins that create a room (one that holds no message and no member on any node, so has no
     * position in Redis yet) draw on budgets of their own, so that made-up rooms cannot fill the
     * broker; joins of existing rooms draw on none of these. Beyond a budget such a join is answered
     * {@code rate_limited}.
     *
     * @param perSecond       sustained rate per connection
     * @param burst           rooms one connection may create at once above that rate
     * @param userPerSecond   sustained rate per user (jwt mode), all its connections on a node together
     * @param userBurst       a user's rooms at once above that rate
     * @param ipPerSecond     sustained rate per client address on a node; 0: no limit (behind a load
     *                        balancer set {@code switchboard.trusted-proxies} first, docs/security.md)
     * @param ipBurst         an address's rooms at once above that rate
     */
    public record NewRooms(
            @DefaultValue("1") double perSecond,
            @DefaultValue("20") int burst,
            @DefaultValue("2") double userPerSecond,
            @DefaultValue("40") int userBurst,
            @DefaultValue("0") double ipPerSecond,
            @DefaultValue("40") int ipBurst) {}
}
