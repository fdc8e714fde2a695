package dev.wirelab.part1.net;

import java.net.InetSocketAddress;

/** What a {@link InspectServer} reports; the CLI prints it, tests and the demo record it. */
public interface ServerEvents {

    void connected(InetSocketAddress peer);

    /** A chunk as it came out of one read, like the report's {@code conn.recv(1024)}. */
    void received(InetSocketAddress peer, byte[] chunk);

    void disconnected(InetSocketAddress peer);

    /**
     * A client that broke the protocol (e.g. not TLS on the TLS port), overran the handshake
     * deadline or stayed idle too long; its connection is closed, the server keeps going.
     * {@code why} may quote what the peer sent: escape it before printing.
     */
    void failed(InetSocketAddress peer, String why);

    /**
     * A client closed at once because {@code open} clients were connected, the limit. Called on
     * the accepting thread for every refused client: an implementation must return quickly.
     */
    default void refused(InetSocketAddress peer, int open, int limit) {
    }

    /** Python's {@code str(addr)} of the report: {@code ('127.0.0.1', 53370)}. */
    static String pythonAddr(InetSocketAddress peer) {
        String host = peer.getAddress() == null ? peer.getHostString() : peer.getAddress().getHostAddress();
        int pct = host.indexOf('%');
        if (pct >= 0) {
            host = host.substring(0, pct);
        }
        if (peer.getAddress() instanceof java.net.Inet6Address) {
            // Python shows (host, port, flowinfo, scope_id) for IPv6 sockets.
            return "('" + compressV6(host) + "', " + peer.getPort() + ", 0, 0)";
        }
        return "('" + host + "', " + peer.getPort() + ")";
    }

    private static String compressV6(String full) {
        return full.equals("0:0:0:0:0:0:0:1") ? "::1" : full;
    }
}
