package dev.wirelab.part2.server;

import dev.wirelab.part2.Delivery;
import dev.wirelab.part2.EchoServerStats;
import dev.wirelab.part2.FaultConfig;
import dev.wirelab.part2.FaultScript;
import dev.wirelab.part2.ServerEvent;
import dev.wirelab.part2.ServerObserver;
import dev.wirelab.part2.fault.FaultCounters;
import dev.wirelab.part2.fault.ReplyQueue;

import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;

/**
 * What the connections of one {@link dev.wirelab.part2.EchoServer} share: its settings (the
 * faults may change while it runs), its counters, the delivery ledger, the log and the observer.
 * Safe from any thread; the counters are {@link LongAdder}s, so connections on different loops
 * do not contend for them.
 */
public final class ServerContext {

    /** Swapped whole by {@link #setFaults} (the admin API); each request reads the current one. */
    private volatile FaultConfig faults;
    private final int maxFrame;
    private final Duration idleTimeout;
    private final Consumer<String> log;
    private final Consumer<Delivery> onDelivery;
    private final FaultScript.Runner scriptRunner;
    private final ServerObserver observer;
    private final DeliveryLedger ledger = new DeliveryLedger(this::log);
    private final Set<EchoConnection> open = ConcurrentHashMap.newKeySet();
    private final FaultCounters faultCounters = new FaultCounters();
    private final LongAdder connections = new LongAdder();
    private final LongAdder refused = new LongAdder();
    final LongAdder messages = new LongAdder();
    final LongAdder lines = new LongAdder();
    final LongAdder delivered = new LongAdder();
    final LongAdder duplicatesSuppressed = new LongAdder();
    final LongAdder rejected = new LongAdder();
    /**
     * Reply bytes all connections hold together (unsent and not yet due): without it 1,000 clients
     * that never read held ~1 MiB of heap each and a 256 MiB server died of OutOfMemoryError.
     */
    private final ReplyQueue.Budget buffered;

    /**
     * @param log        where log lines go; null for none (then none are made)
     * @param observer   told of every event; null for none (then none are made)
     */
    public ServerContext(FaultConfig faults, FaultScript script, int maxFrame, Duration idleTimeout, Consumer<String> log,
                         Consumer<Delivery> onDelivery, ServerObserver observer, long maxBufferedBytes) {
        this.buffered = new ReplyQueue.Budget(maxBufferedBytes);
        this.faults = faults;
        this.scriptRunner = script.isEmpty() ? null : script.runner();
        this.maxFrame = maxFrame;
        this.idleTimeout = idleTimeout;
        this.log = log;
        this.onDelivery = onDelivery;
        this.observer = observer;
    }

    public FaultConfig faults() {
        return faults;
    }

    /** What the connections' replies hold together, against the server-wide bound. */
    public ReplyQueue.Budget buffered() {
        return buffered;
    }

    public void setFaults(FaultConfig f) {
        this.faults = f;
    }

    /** A new client, to be registered on {@code loop} (on its thread); counted as open from now. */
    public EchoConnection accepted(EventLoop loop, SocketChannel ch, long number, SplittableRandom random) {
        connections.increment();
        EchoConnection c = new EchoConnection(this, loop, ch, number, random);
        open.add(c);
        return c;
    }

    /** A client closed at once at the connection limit. */
    public void refusedOne() {
        refused.increment();
    }

    /** Connections open now. */
    public int open() {
        return open.size();
    }

    /** The connections open now (a copy). */
    public List<EchoConnection> openConnections() {
        return List.copyOf(open);
    }

    public EchoServerStats stats() {
        return new EchoServerStats(connections.sum(), open.size(), messages.sum(), lines.sum(), delivered.sum(),
                duplicatesSuppressed.sum(), rejected.sum(), refused.sum(), faultCounters.snapshot());
    }

    int maxFrame() {
        return maxFrame;
    }

    Duration idleTimeout() {
        return idleTimeout;
    }

    FaultCounters faultCounters() {
        return faultCounters;
    }

    FaultScript.Runner scriptRunner() {
        return scriptRunner;
    }

    ServerObserver observer() {
        return observer;
    }

    void observe(ServerEvent e) {
        try {
            observer.onEvent(e);
        } catch (RuntimeException ex) {
            log("observer failed on " + e.getClass().getSimpleName() + ": " + ex);
        }
    }

    DeliveryLedger ledger() {
        return ledger;
    }

    boolean logging() {
        return log != null;
    }

    /** One log line; a broken log sink never breaks serving. */
    public void log(String line) {
        if (log != null) {
            try {
                log.accept(line);
            } catch (Throwable ignored) {
                // a broken log sink must not break serving
            }
        }
    }

    void deliver(Delivery d) {
        try {
            onDelivery.accept(d);
        } catch (RuntimeException e) { // an Error ends the connection (see EventLoop), not the loop
            log("delivery handler failed for seq=" + d.seq() + " from " + Log.shown(d.clientId()) + ": " + e);
        }
    }

    void closed(EchoConnection c) {
        open.remove(c);
    }
}
