package io.switchboard.session;

import jakarta.servlet.http.HttpServletRequest;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.regex.Pattern;
import org.eclipse.jetty.ee11.servlet.ServletContextRequest;
import org.eclipse.jetty.util.InetAddressSet;

/**
 * Who a handshake comes from, for the per-address limits: the socket's peer, unless that peer is one
 * of {@code switchboard.trusted-proxies}; then the rightmost address of {@code X-Forwarded-For} that
 * is not a trusted proxy (each proxy appends the address it saw, so everything left of the last
 * untrusted hop could have been written by the client). Forwarding headers from anyone else are
 * ignored, and so is {@code Forwarded}: a client could add one beside the proxy's
 * {@code X-Forwarded-For}, and Jetty's own handling ({@code server.forward-headers-strategy=native})
 * takes its leftmost value. The peer is read from the socket itself, so that handling cannot change it.
 */
final class ClientAddress {

    private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");
    private static final Pattern IPV6 = Pattern.compile("[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*");

    private final InetAddressSet trusted = new InetAddressSet();

    /** {@code proxies}: addresses and CIDR ranges; a bad one stops the node with the reason. */
    ClientAddress(List<String> proxies) {
        for (String proxy : proxies) {
            try {
                trusted.add(proxy.strip());
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("switchboard.trusted-proxies: '" + proxy
                        + "' is not an address or a CIDR range (" + e.getMessage() + ")", e);
            }
        }
    }

    String of(HttpServletRequest request) {
        InetAddress peer = peer(request);
        if (peer == null) {
            return request.getRemoteAddr();
        }
        if (trusted.isEmpty() || !trusted.test(peer)) {
            return peer.getHostAddress();
        }
        List<String> hops = new ArrayList<>();
        for (String header : Collections.list(request.getHeaders("X-Forwarded-For"))) {
            for (String hop : header.split(",")) {
                hops.add(hop.strip());
            }
        }
        InetAddress nearest = peer;
        for (int i = hops.size() - 1; i >= 0; i--) {
            InetAddress hop = literal(hops.get(i));
            if (hop == null) {
                break; // not an address: nothing left of it can be believed
            }
            if (!trusted.test(hop)) {
                return hop.getHostAddress();
            }
            nearest = hop;
        }
        return nearest.getHostAddress();
    }

    /** The socket's own peer, whatever a request customizer made of the request's remote address. */
    private static InetAddress peer(HttpServletRequest request) {
        ServletContextRequest core = ServletContextRequest.getServletContextRequest(request);
        if (core == null) {
            return null;
        }
        SocketAddress remote = core.getConnectionMetaData().getConnection().getEndPoint().getRemoteSocketAddress();
        return remote instanceof InetSocketAddress inet ? inet.getAddress() : null;
    }

    /** An IP literal (never a name: no DNS lookup), or null. */
    static InetAddress literal(String text) {
        String address = text.startsWith("[") && text.contains("]") ? text.substring(1, text.indexOf(']')) : text;
        if (!IPV4.matcher(address).matches() && !IPV6.matcher(address).matches()) {
            return null;
        }
        try {
            return InetAddress.getByName(address);
        } catch (UnknownHostException e) {
            return null;
        }
    }
}
