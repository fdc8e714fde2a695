package dev.wirelab.part2.proxy;

import dev.wirelab.part2.Fault;
import dev.wirelab.part2.FaultConfig;
import dev.wirelab.part2.FaultProxyStats;
import dev.wirelab.part2.FaultScript;
import dev.wirelab.part2.fault.FaultCounters;
import dev.wirelab.part2.fault.ReplyQueue;
import dev.wirelab.part2.server.EventLoop;

import java.net.InetSocketAddress;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;

/**
 * What the pairs of one {@link dev.wirelab.part2.FaultProxy} share: the upstream, the faults (they
 * may change while it runs) and each direction's script, the limits, the proxy-wide budget of
 * queued bytes, the counters and the log. Safe from any thread.
 */
public final class ProxyContext {

    /** Heap bytes of units not yet due that one direction of a pair may queue. */
    public static final int MAX_QUEUED_BYTES_PER_DIRECTION = 256 * 1024;
    /** Bytes one direction's peer has not taken yet past which that direction reads no more. */
    public static final int MAX_UNSENT_BYTES_PER_DIRECTION = 64 * 1024;

    private volatile FaultConfig faults;
    final InetSocketAddress upstream;
    final String upstreamName;
    final boolean upFaulty;
    final boolean downFaulty;
    final FaultScript.Runner upScript;
    final FaultScript.Runner downScript;
    final int maxFrame;
    final long idleNanos;
    final long halfCloseNanos;
    final ReplyQueue.Budget budget;
    final FaultCounters counters = new FaultCounters();
    final LongAdder units = new LongAdder();
    private final Consumer<String> log;
    private final LongAdder connections = new LongAdder();
    private final LongAdder refused = new LongAdder();
    private final LongAdder shed = new LongAdder();
    final Set<ProxyPair> open = ConcurrentHashMap.newKeySet();

    /**
     * @param upFaulty   whether the client-to-server way gets faults (is cut into units)
     * @param downFaulty whether the server-to-client way does
     * @throws FaultScript.ScriptException a rule this proxy cannot apply, naming its line
     */
    public ProxyContext(InetSocketAddress upstream, FaultConfig faults, FaultScript script, boolean upFaulty,
                        boolean downFaulty, int maxFrame, Duration idleTimeout, Duration halfCloseTimeout,
                        long maxQueuedBytes, Consumer<String> log) {
        this.upstream = upstream;
        this.upstreamName = upstream.getHostString() + ":" + upstream.getPort();
        this.faults = faults;
        // Each rule acts on one way only, so it fires once. Both ways: where the echo server would
        // act, drop and error on the request going up (it never reaches the server), every other
        // action on the reply coming down. One way: every rule on it, except that ack-drop loses
        // a reply, which a proxy faulting only the requests never handles.
        if (upFaulty && !downFaulty) {
            for (FaultScript.Rule r : script.rules()) {
                if (r.action() instanceof Fault.AckDrop) {
                    throw script.error(r, "ack-drop loses the reply, which a proxy with --direction up never"
                            + " touches: use --direction down or both");
                }
            }
        }
        this.upScript = !upFaulty || script.isEmpty() ? null
                : script.runner(r -> !downFaulty || onRequest(r));
        this.downScript = !downFaulty || script.isEmpty() ? null
                : script.runner(r -> !upFaulty || !onRequest(r));
        this.upFaulty = upFaulty;
        this.downFaulty = downFaulty;
        this.maxFrame = maxFrame;
        this.idleNanos = idleTimeout.toNanos();
        this.halfCloseNanos = halfCloseTimeout.toNanos();
        this.budget = new ReplyQueue.Budget(maxQueuedBytes);
        this.log = log;
    }

    /** With both ways faulty, whether a rule acts on the request going up rather than on the reply. */
    static boolean onRequest(FaultScript.Rule r) {
        return r.action() instanceof Fault.Drop || r.action() instanceof Fault.Error;
    }

    public FaultConfig faults() {
        return faults;
    }

    public void setFaults(FaultConfig f) {
        this.faults = f;
    }

    /** A new client, to be registered on {@code loop} (on its thread); counted as open from now. */
    public ProxyPair accepted(EventLoop loop, SocketChannel client, long number, SplittableRandom upRandom,
                              SplittableRandom downRandom) {
        connections.increment();
        ProxyPair p = new ProxyPair(this, loop, client, number, upRandom, downRandom);
        open.add(p);
        return p;
    }

    public void refusedOne() {
        refused.increment();
    }

    public void shedOne() {
        shed.increment();
    }

    public int open() {
        return open.size();
    }

    public List<ProxyPair> openPairs() {
        return List.copyOf(open);
    }

    /** Bytes queued and unsent, over all pairs. */
    public ReplyQueue.Budget budget() {
        return budget;
    }

    public FaultProxyStats stats() {
        return new FaultProxyStats(connections.sum(), open.size(), units.sum(), refused.sum(), shed.sum(),
                counters.snapshot());
    }

    /** One log line; a broken log sink never breaks serving. */
    public void log(String line) {
        try {
            log.accept(line);
        } catch (Throwable ignored) {
            // the log must not end the thread that called it
        }
    }
}
