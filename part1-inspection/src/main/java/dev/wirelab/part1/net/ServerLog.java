package dev.wirelab.part1.net;

import dev.wirelab.common.Bytes;
import java.io.PrintWriter;
import java.net.InetSocketAddress;

/** Prints server events as the report's Python server did, one line each. */
public final class ServerLog implements ServerEvents {

    private final PrintWriter out;

    public ServerLog(PrintWriter out) {
        this.out = out;
    }

    @Override
    public void connected(InetSocketAddress peer) {
        line("Got connection from " + ServerEvents.pythonAddr(peer));
    }

    @Override
    public void received(InetSocketAddress peer, byte[] chunk) {
        line(Bytes.escape(chunk));
    }

    @Override
    public void disconnected(InetSocketAddress peer) {
        line("Client disconnected");
    }

    @Override
    public void failed(InetSocketAddress peer, String why) {
        line("Client " + ServerEvents.pythonAddr(peer) + " dropped: " + why);
    }

    private synchronized void line(String s) {
        out.println(s);
        out.flush();
    }
}
