package dev.wirelab.part2;

import dev.wirelab.common.FrameCodec;
import dev.wirelab.part2.fault.FaultSource;
import dev.wirelab.part2.fault.ReplyQueue;
import dev.wirelab.part2.proxy.ProxyContext;
import dev.wirelab.part2.proxy.ProxyPair;
import dev.wirelab.part2.proxy.UnitSplitter;
import dev.wirelab.part2.server.EventLoop;
import dev.wirelab.part2.server.Limits;
import dev.wirelab.part2.server.Outbound;
import dev.wirelab.part2.server.RefusalLog;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * A TCP proxy that injects the echo server's faults between any client and any server, as
 * toxiproxy does: each accepted client gets its own connection to the upstream, and the bytes
 * flowing in the chosen direction(s) are cut into frames, lines or chunks ({@link UnitSplitter})
 * that get the same faults as the echo server's replies, decided by the same {@link FaultSource}
 * and sent through the same {@link Outbound} (its due times, reordering, stalls, rate limit and
 * slices) on the same {@link EventLoop}s: a pair's two sockets live on one loop, with no thread
 * of their own.
 *
 * <p>What one client can hold is bounded: at most {@code maxConnections} pairs (more are refused
 * with a log line a second), a pair with no traffic for the idle timeout is closed, and so is one
 * whose one side has been half-closed for the half-close timeout. Bytes waiting in a direction
 * are bounded per direction ({@link ProxyContext#MAX_QUEUED_BYTES_PER_DIRECTION} not yet due,
 * {@link ProxyContext#MAX_UNSENT_BYTES_PER_DIRECTION} not yet taken by the peer) and over the
 * whole proxy ({@link Builder#maxQueuedBytes}): past a bound the direction reads no more and TCP
 * pushes back on its sender. The proxy-wide budget is checked before each read, so what one read
 * brought (16 KiB) may pass it once per event loop. When it runs out, the pair whose peer has not
 * been reading for longest is closed to make room.
 */
public final class FaultProxy implements AutoCloseable {

    /** Which way faults apply: {@code UP} client to server, {@code DOWN} server to client. */
    public enum Direction {
        UP, DOWN, BOTH;

        boolean up() {
            return this != DOWN;
        }

        boolean down() {
            return this != UP;
        }
    }

    /** A pair whose peer has not read for this long may be closed when the shared budget runs out. */
    private static final long SHED_AFTER_NANOS = 1_000_000_000L;
    private static final long SHED_CHECK_NANOS = 200_000_000L;

    /** The upstream, faults, limits, budget, counters and log the pairs share. */
    private final ProxyContext context;
    private final Direction direction;
    private final int maxConnections;
    private final ServerSocketChannel serverSocket;
    private final InetSocketAddress boundAddress;
    private final EventLoop[] loops;
    /**
     * Split once per connection, as the echo server's is, for the way down (the way up with
     * {@link Direction#UP}): one seed, the echo server's faults on that way.
     */
    private final SplittableRandom random;
    /** And for the other way, from a seed of its own. */
    private final SplittableRandom otherRandom;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final Thread acceptor;
    private final Thread shedder;
    private final RefusalLog refusals;

    private FaultProxy(Builder b) throws IOException {
        this.direction = b.direction;
        this.context = new ProxyContext(Objects.requireNonNull(b.upstream, "upstream"), b.faults, b.script,
                b.direction.up(), b.direction.down(), b.maxFrame, b.idleTimeout, b.halfCloseTimeout, b.maxQueuedBytes, b.log);
        this.random = new SplittableRandom(b.seed);
        this.otherRandom = new SplittableRandom(b.seed ^ 0x9E37_79B9_7F4A_7C15L);
        this.maxConnections = b.maxConnections;
        this.refusals = new RefusalLog(context::log);
        ServerSocketChannel ss = ServerSocketChannel.open();
        try {
            ss.setOption(StandardSocketOptions.SO_REUSEADDR, true);
            ss.bind(new InetSocketAddress(InetAddress.getByName(b.host), b.port), 4096);
        } catch (IOException | RuntimeException e) {
            ss.close();
            throw e;
        }
        serverSocket = ss;
        boundAddress = (InetSocketAddress) ss.getLocalAddress();
        int port = boundAddress.getPort();
        // The loops' sweep closes idle and long half-closed pairs, and lets a direction that
        // stopped at the shared budget read again once there is room: at least every 200 ms.
        Duration sweep = EventLoop.sweepFor(shortest(b.idleTimeout, b.halfCloseTimeout), Duration.ofMillis(200));
        if (sweep.isZero()) {
            sweep = Duration.ofMillis(200);
        }
        loops = new EventLoop[b.eventLoops];
        try {
            for (int i = 0; i < loops.length; i++) {
                loops[i] = new EventLoop("proxy-loop-" + port + "-" + i, sweep, context::log);
            }
        } catch (IOException e) {
            ss.close();
            throw e;
        }
        for (EventLoop loop : loops) {
            loop.start();
        }
        acceptor = Thread.ofPlatform().daemon().name("proxy-accept-" + port).start(this::acceptLoop);
        shedder = Thread.ofVirtual().name("proxy-shed-" + port).start(this::shedLoop);
    }

    private static Duration shortest(Duration a, Duration b) {
        if (a.isZero()) {
            return b;
        }
        return b.isZero() || a.compareTo(b) < 0 ? a : b;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Configures and starts a {@link FaultProxy}; {@link #upstream} is required. */
    public static final class Builder {
        private String host = "127.0.0.1";
        private int port = 0;
        private InetSocketAddress upstream;
        private FaultConfig faults = FaultConfig.none();
        private Direction direction = Direction.BOTH;
        private long seed = ThreadLocalRandom.current().nextLong();
        private int maxFrame = FrameCodec.DEFAULT_MAX_PAYLOAD;
        private Consumer<String> log = s -> { };
        private int maxConnections = Limits.defaultMaxConnections(2);
        private java.time.Duration idleTimeout = java.time.Duration.ofMinutes(5);
        private java.time.Duration halfCloseTimeout = java.time.Duration.ofMinutes(1);
        private int maxQueuedBytes = 64 << 20;
        private FaultScript script = FaultScript.none();
        private int eventLoops = Math.max(1, Runtime.getRuntime().availableProcessors());

        private Builder() {
        }

        /** Client connections served at once (each also holds one upstream); more are closed at once, logged once a second. */
        public Builder maxConnections(int n) {
            this.maxConnections = Limits.maxConnections(n);
            return this;
        }

        /** A pair with no bytes from either side for this long is closed; default 5 minutes, zero for never. */
        public Builder idleTimeout(java.time.Duration d) {
            this.idleTimeout = nonNegative(d, "idle timeout");
            return this;
        }

        /**
         * A pair one side of which ended its stream this long ago is closed, even if the other side
         * still trickles bytes; default 1 minute, zero for never.
         */
        public Builder halfCloseTimeout(java.time.Duration d) {
            this.halfCloseTimeout = nonNegative(d, "half-close timeout");
            return this;
        }

        /** Bytes all pairs together may hold, not yet due or not yet taken by a peer; default 64 MiB. */
        public Builder maxQueuedBytes(int bytes) {
            if (bytes < ProxyContext.MAX_QUEUED_BYTES_PER_DIRECTION) {
                throw new IllegalArgumentException("max queued bytes must be at least " + ProxyContext.MAX_QUEUED_BYTES_PER_DIRECTION);
            }
            this.maxQueuedBytes = bytes;
            return this;
        }

        private static java.time.Duration nonNegative(java.time.Duration d, String what) {
            if (d.isNegative()) {
                throw new IllegalArgumentException(what + " must not be negative");
            }
            return d;
        }

        public Builder host(String host) {
            this.host = Objects.requireNonNull(host);
            return this;
        }

        public Builder port(int port) {
            this.port = Limits.listenPort(port);
            return this;
        }

        public Builder upstream(InetSocketAddress upstream) {
            this.upstream = Objects.requireNonNull(upstream);
            return this;
        }

        public Builder faults(FaultConfig f) {
            this.faults = Objects.requireNonNull(f);
            return this;
        }

        /**
         * Faults on exact units, with the echo server's selectors. With {@link Direction#BOTH} each
         * rule acts once, where the echo server would: {@code drop} and {@code error} on the request
         * going up (it never reaches the server; error answers the client), every other action on
         * the reply coming down. With {@code UP} or {@code DOWN} every rule acts on that way's units;
         * {@code ack-drop} with {@code UP} is refused at {@link #start()} (a
         * {@link FaultScript.ScriptException} naming its line). {@code seq N} is DATA seq N going
         * up and its ACK or ERROR coming down (seq 0: the HELLO's); {@code reply N} the N-th unit
         * of that way; lines and raw chunks match {@code reply} and {@code after}.
         */
        public Builder script(FaultScript s) {
            this.script = Objects.requireNonNull(s);
            return this;
        }

        /** Threads serving the pairs, each with its own selector; default one per core. */
        public Builder eventLoops(int n) {
            if (n < 1 || n > 1024) {
                throw new IllegalArgumentException("event loops must be 1..1024, got " + n);
            }
            this.eventLoops = n;
            return this;
        }

        public Builder direction(Direction d) {
            this.direction = Objects.requireNonNull(d);
            return this;
        }

        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        /** Largest frame payload or line treated as one unit; longer lines pass as raw chunks. */
        public Builder maxFrame(int bytes) {
            this.maxFrame = Limits.maxFrame(bytes);
            return this;
        }

        public Builder log(Consumer<String> logLine) {
            this.log = Objects.requireNonNull(logLine);
            return this;
        }

        public FaultProxy start() throws IOException {
            return new FaultProxy(this);
        }
    }

    public int port() {
        return boundAddress.getPort();
    }

    public InetSocketAddress address() {
        return boundAddress;
    }

    public FaultProxyStats stats() {
        return context.stats();
    }

    public FaultConfig faults() {
        return context.faults();
    }

    /** Changes the faults for the next units, on every connection; safe from any thread. */
    public void setFaults(FaultConfig f) {
        context.setFaults(Objects.requireNonNull(f));
    }

    public Direction direction() {
        return direction;
    }

    /** Bytes held over all pairs: units not yet due (payload plus a fixed cost each) and bytes a peer has not taken. */
    long queuedBytes() {
        return context.budget().used();
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        try {
            serverSocket.close();
        } catch (IOException ignored) {
            // closing anyway
        }
        for (EventLoop loop : loops) {
            loop.shutdown(); // closes the loop's pairs
        }
        for (ProxyPair p : context.openPairs()) {
            p.close("proxy stopped", false); // accepted but never registered: its loop has ended
        }
        shedder.interrupt();
        try {
            acceptor.join(Duration.ofSeconds(2));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void acceptLoop() {
        long number = 0;
        while (!closed.get()) {
            SocketChannel client;
            try {
                client = serverSocket.accept();
            } catch (ClosedChannelException e) {
                return;
            } catch (IOException e) {
                if (closed.get()) {
                    return;
                }
                context.log("accept failed: " + e.getMessage());
                pause(); // e.g. out of file descriptors: don't spin and flood the log, let connections close
                continue;
            } catch (Throwable e) {
                // Whatever it is (an Error while out of file descriptors, say), the proxy keeps accepting.
                context.log("accept failed: " + e);
                pause();
                continue;
            }
            if (context.open() >= maxConnections) {
                refuse(client);
                continue;
            }
            number++;
            EventLoop loop = EventLoop.pick(loops, number);
            if (loop == null) {
                context.log("no event loop left to serve " + ProxyPair.remote(client) + ", closing it");
                closeQuietly(client);
                continue;
            }
            // One random stream per direction, split in accept order: reproducible per connection,
            // and on the one faulty way (down with both) the very faults the echo server with this
            // seed gives its replies.
            SplittableRandom server = random.split();
            SplittableRandom other = otherRandom.split();
            boolean upOnly = direction == Direction.UP;
            ProxyPair p = context.accepted(loop, client, number, upOnly ? server : other, upOnly ? other : server);
            loop.execute(p::register);
            if (closed.get()) {
                loop.execute(() -> p.close("proxy stopped", false));
                return;
            }
        }
    }

    private void refuse(SocketChannel client) {
        context.refusedOne();
        String remote = ProxyPair.remote(client);
        closeQuietly(client);
        refusals.refused(remote, context.open(), maxConnections);
    }

    private static void closeQuietly(SocketChannel ch) {
        try {
            ch.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }

    /**
     * While the proxy-wide budget is (nearly) used up, closes the pair whose peer has not been
     * reading for longest: its queued replies are what holds the budget, and every other client
     * would otherwise wait behind it.
     */
    private void shedLoop() {
        while (!closed.get()) {
            try {
                Thread.sleep(Duration.ofNanos(SHED_CHECK_NANOS));
            } catch (InterruptedException e) {
                return;
            }
            try {
                ReplyQueue.Budget budget = context.budget();
                if (budget.max() - budget.used() >= ProxyContext.MAX_QUEUED_BYTES_PER_DIRECTION) {
                    continue;
                }
                long now = System.nanoTime();
                ProxyPair stuckest = null;
                long longest = 0;
                for (ProxyPair p : context.openPairs()) {
                    long stuck = p.stuckNanos(now);
                    if (stuck > longest) {
                        longest = stuck;
                        stuckest = p;
                    }
                }
                if (stuckest != null && longest > SHED_AFTER_NANOS) {
                    context.shedOne();
                    ProxyPair victim = stuckest;
                    String why = "not reading its replies for " + FaultConfig.seconds(Duration.ofNanos(longest))
                            + " s while the proxy's queue budget (" + budget.max() + " bytes) is full, closing to make room";
                    victim.loop().execute(() -> victim.close(why, false));
                }
            } catch (Throwable e) {
                context.log("shedding failed: " + e);
            }
        }
    }

    private static void pause() {
        try {
            Thread.sleep(50);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
