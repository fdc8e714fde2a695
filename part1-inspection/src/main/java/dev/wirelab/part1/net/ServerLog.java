package dev.wirelab.part1.net;

import dev.wirelab.common.Bytes;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * Prints server events as the report's Python server did, one line each, to a sink that must not
 * block (an {@link AsyncLog} for a terminal, a list in tests and the demo). Everything a peer
 * chose (its bytes, and any text in a failure) is escaped, so a client cannot forge log lines or
 * send terminal escapes. Refused clients are summed up: the first one at once, then at most one
 * line a second with how many more there were.
 */
public final class ServerLog implements ServerEvents {

    static final long REFUSAL_INTERVAL_NANOS = 1_000_000_000L;

    private final Consumer<String> sink;
    private final LongSupplier nanoTime;
    private boolean refusedLogged;
    private long refusedLoggedAt;
    private long refusedSince;
    private String lastRefused;
    private int lastOpen;
    private int lastLimit;

    public ServerLog(Consumer<String> sink) {
        this(sink, System::nanoTime);
    }

    /** With a clock of the test's choosing, for the once-a-second refusal lines. */
    ServerLog(Consumer<String> sink, LongSupplier nanoTime) {
        this.sink = sink;
        this.nanoTime = nanoTime;
    }

    @Override
    public void connected(InetSocketAddress peer) {
        sink.accept("Got connection from " + ServerEvents.pythonAddr(peer));
    }

    @Override
    public void received(InetSocketAddress peer, byte[] chunk) {
        sink.accept(Bytes.escape(chunk));
    }

    @Override
    public void disconnected(InetSocketAddress peer) {
        sink.accept("Client disconnected");
    }

    @Override
    public void failed(InetSocketAddress peer, String why) {
        sink.accept("Client " + ServerEvents.pythonAddr(peer) + " dropped: "
                + Bytes.escape(why.getBytes(StandardCharsets.UTF_8)));
    }

    @Override
    public synchronized void refused(InetSocketAddress peer, int open, int limit) {
        refusedSince++;
        lastRefused = ServerEvents.pythonAddr(peer);
        lastOpen = open;
        lastLimit = limit;
        long now = nanoTime.getAsLong();
        if (refusedLogged && now - refusedLoggedAt < REFUSAL_INTERVAL_NANOS) {
            return;
        }
        logRefused();
        refusedLogged = true;
        refusedLoggedAt = now;
    }

    /** Logs the refusals not logged yet (the server is stopping). */
    public synchronized void finish() {
        if (refusedSince > 0) {
            logRefused();
        }
    }

    private void logRefused() {
        String who = refusedSince == 1 ? "Client " + lastRefused + " refused"
                : refusedSince + " clients refused (the last " + lastRefused + ")";
        sink.accept(who + ": " + lastOpen + " clients connected, the limit (--max-clients " + lastLimit + ")");
        refusedSince = 0;
    }
}
