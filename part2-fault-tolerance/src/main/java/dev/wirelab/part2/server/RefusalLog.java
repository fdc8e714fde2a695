package dev.wirelab.part2.server;

import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * Log lines for connections refused at the connection limit: the first at once, then at most one
 * a second with how many were refused since, so a flood of connects cannot flood the log. Called
 * by the acceptor thread only.
 */
public final class RefusalLog {

    private static final long INTERVAL_NANOS = 1_000_000_000L;

    private final LongSupplier nanoTime;
    private final Consumer<String> log;
    private boolean logged;
    private long lastLogged;
    private long since;

    public RefusalLog(Consumer<String> log) {
        this(log, System::nanoTime);
    }

    public RefusalLog(Consumer<String> log, LongSupplier nanoTime) {
        this.log = log;
        this.nanoTime = nanoTime;
    }

    /** One more client refused while {@code open} connections were open at {@code limit}. */
    public void refused(String remote, int open, int limit) {
        since++;
        long now = nanoTime.getAsLong();
        if (logged && now - lastLogged < INTERVAL_NANOS) {
            return;
        }
        String who = since == 1 ? "refused " + remote : "refused " + since + " connections (the last from " + remote + ")";
        log.accept(who + ": " + open + " connections open, the limit is " + limit + " (--max-connections)");
        logged = true;
        lastLogged = now;
        since = 0;
    }
}
