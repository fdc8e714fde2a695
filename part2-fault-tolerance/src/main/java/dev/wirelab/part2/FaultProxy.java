package dev.wirelab.part2;

import dev.wirelab.common.FrameCodec;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SelectionKey;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
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
 * are bounded per direction ({@link #MAX_QUEUED_BYTES_PER_DIRECTION} queued,
 * {@link Outbound#MAX_UNSENT_BYTES} unsent) and, for replies not due yet, over the whole proxy
 * ({@link Builder#maxQueuedBytes}): past a bound the direction reads no more and TCP pushes back
 * on its sender. When the proxy-wide budget runs out, the pair whose peer has not been reading
 * for longest is closed to make room.
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

    /** Heap bytes of units not yet due that one direction of a pair may queue. */
    static final int MAX_QUEUED_BYTES_PER_DIRECTION = 256 * 1024;
    /** A pair whose peer has not read for this long may be closed when the shared budget runs out. */
    private static final long SHED_AFTER_NANOS = 1_000_000_000L;
    private static final long SHED_CHECK_NANOS = 200_000_000L;
    private static final long CONNECT_TIMEOUT_NANOS = 5_000_000_000L;

    private final InetSocketAddress upstream;
    private final String upstreamName;
    /** Swapped whole by {@link #setFaults} (the admin API): each unit reads the current one. */
    private volatile FaultConfig faults;
    private final FaultScript.Runner upScript;
    private final FaultScript.Runner downScript;
    private final Direction direction;
    private final int maxFrame;
    private final Consumer<String> log;
    private final ServerSocketChannel serverSocket;
    private final InetSocketAddress boundAddress;
    private final EventLoop[] loops;
    private final SplittableRandom random;
    private final Set<Pair> open = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final Thread acceptor;
    private final Thread shedder;
    private final LongAdder connections = new LongAdder();
    private final LongAdder units = new LongAdder();
    private final FaultCounters counters = new FaultCounters();
    private final int maxConnections;
    private final long idleNanos;
    private final long halfCloseNanos;
    private final ReplyQueue.Budget budget;
    private final LongAdder refused = new LongAdder();
    private final LongAdder shed = new LongAdder();
    private final RefusalLog refusals;

    private FaultProxy(Builder b) throws IOException {
        this.upstream = Objects.requireNonNull(b.upstream, "upstream");
        this.upstreamName = upstream.getHostString() + ":" + upstream.getPort();
        this.faults = b.faults;
        this.upScript = b.script.isEmpty() ? null : b.script.runner();
        this.downScript = b.script.isEmpty() ? null : b.script.runner();
        this.direction = b.direction;
        this.maxFrame = b.maxFrame;
        this.log = b.log;
        this.random = new SplittableRandom(b.seed);
        this.maxConnections = b.maxConnections;
        this.idleNanos = b.idleTimeout.toNanos();
        this.halfCloseNanos = b.halfCloseTimeout.toNanos();
        this.budget = new ReplyQueue.Budget(b.maxQueuedBytes);
        this.refusals = new RefusalLog(this::safeLog);
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
                loops[i] = new EventLoop("proxy-loop-" + port + "-" + i, sweep, true, this::safeLog);
            }
        } catch (IOException e) {
            ss.close();
            throw e;
        }
        for (EventLoop loop : loops) {
            loop.siblings(loops);
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

        /** Delayed bytes all connections together may queue; default 64 MiB. */
        public Builder maxQueuedBytes(int bytes) {
            if (bytes < MAX_QUEUED_BYTES_PER_DIRECTION) {
                throw new IllegalArgumentException("max queued bytes must be at least " + MAX_QUEUED_BYTES_PER_DIRECTION);
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
         * Faults on exact units, as the echo server's script (each faulty direction keeps its own
         * count and fired rules): {@code seq N} is DATA seq N going up, its ACK (or ERROR) coming
         * down; {@code reply N} the N-th unit; lines and raw chunks match {@code reply} and {@code after}.
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
        return new FaultProxyStats(connections.sum(), open.size(), units.sum(), refused.sum(), shed.sum(),
                counters.snapshot());
    }

    public FaultConfig faults() {
        return faults;
    }

    /** Changes the faults for the next units, on every connection; safe from any thread. */
    public void setFaults(FaultConfig f) {
        this.faults = Objects.requireNonNull(f);
    }

    public Direction direction() {
        return direction;
    }

    /** Heap bytes of units not yet due, over all connections (payload plus a fixed cost per unit). */
    long queuedBytes() {
        return budget.used();
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
        for (Pair p : open) {
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
                safeLog("accept failed: " + e.getMessage());
                pause(); // e.g. out of file descriptors: don't spin and flood the log, let connections close
                continue;
            } catch (Throwable e) {
                // Whatever it is (an Error while out of file descriptors, say), the proxy keeps accepting.
                safeLog("accept failed: " + e);
                pause();
                continue;
            }
            if (open.size() >= maxConnections) {
                refuse(client);
                continue;
            }
            number++;
            EventLoop loop = EventLoop.pick(loops, number);
            if (loop == null) {
                safeLog("no event loop left to serve " + remote(client) + ", closing it");
                closeQuietly(client);
                continue;
            }
            connections.increment();
            // One random stream per direction, split in accept order: reproducible per connection.
            Pair p = new Pair(loop, client, number, random.split(), random.split());
            open.add(p);
            loop.execute(p::register);
            if (closed.get()) {
                loop.execute(() -> p.close("proxy stopped", false));
                return;
            }
        }
    }

    private void refuse(SocketChannel client) {
        refused.increment();
        String remote = remote(client);
        closeQuietly(client);
        refusals.refused(remote, open.size(), maxConnections);
    }

    private static String remote(SocketChannel ch) {
        try {
            InetSocketAddress a = (InetSocketAddress) ch.getRemoteAddress();
            return a.getAddress().getHostAddress() + ":" + a.getPort();
        } catch (IOException | RuntimeException e) {
            return "unknown";
        }
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
                if (budget.max() - budget.used() >= MAX_QUEUED_BYTES_PER_DIRECTION) {
                    continue;
                }
                long now = System.nanoTime();
                Pair stuckest = null;
                long longest = 0;
                for (Pair p : open) {
                    long stuck = p.stuckNanos(now);
                    if (stuck > longest) {
                        longest = stuck;
                        stuckest = p;
                    }
                }
                if (stuckest != null && longest > SHED_AFTER_NANOS) {
                    shed.increment();
                    Pair victim = stuckest;
                    String why = "not reading its replies for " + FaultConfig.seconds(Duration.ofNanos(longest))
                            + " s while the proxy's queue budget (" + budget.max() + " bytes) is full, closing to make room";
                    victim.loop.execute(() -> victim.close(why, false));
                }
            } catch (Throwable e) {
                safeLog("shedding failed: " + e);
            }
        }
    }

    private void safeLog(String line) {
        try {
            log.accept(line);
        } catch (Throwable ignored) {
            // the log must not end the thread that called it
        }
    }

    private static void pause() {
        try {
            Thread.sleep(50);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * One client and its upstream connection, both on one loop. Each way has a {@link Flow}: it
     * reads one socket and writes the other through its {@link Outbound}; a faulty way cuts what
     * it reads into units and applies the faults decided for each.
     */
    private final class Pair implements Served, Outbound.Host {
        private final EventLoop loop;
        private final SocketChannel client;
        private final String label;
        private final Flow up;
        private final Flow down;
        private SocketChannel server;
        private SelectionKey clientKey;
        private SelectionKey serverKey;
        private boolean connected;
        private boolean done;
        private int halfClosed;
        /** System.nanoTime of the last bytes read from either side. */
        private long lastActivity = System.nanoTime();
        /** System.nanoTime when the first side ended its stream, 0 before. */
        private long halfClosedAt;

        Pair(EventLoop loop, SocketChannel client, long number, SplittableRandom upRandom, SplittableRandom downRandom) {
            this.loop = loop;
            this.client = client;
            this.label = "#" + number + " " + remote(client);
            this.up = new Flow("up", direction.up(), new FaultSource(FaultProxy.this::faults, upRandom, upScript));
            this.down = new Flow("down", direction.down(), new FaultSource(FaultProxy.this::faults, downRandom, downScript));
        }

        /** On the loop: registers the client (reading nothing yet) and starts connecting upstream. */
        void register() {
            if (done) {
                return;
            }
            loop.added(this);
            try {
                client.configureBlocking(false);
                client.setOption(StandardSocketOptions.TCP_NODELAY, true);
                clientKey = client.register(loop.selector(), 0, this);
                server = SocketChannel.open();
                server.configureBlocking(false);
                server.setOption(StandardSocketOptions.TCP_NODELAY, true);
                up.out = new Outbound(server, loop, this, MAX_QUEUED_BYTES_PER_DIRECTION, budget);
                down.out = new Outbound(client, loop, this, MAX_QUEUED_BYTES_PER_DIRECTION, budget);
                boolean now = server.connect(upstream);
                serverKey = server.register(loop.selector(), now ? 0 : SelectionKey.OP_CONNECT, this);
                if (now) {
                    connected();
                } else {
                    loop.schedule(System.nanoTime() + CONNECT_TIMEOUT_NANOS, () -> {
                        if (!connected) {
                            close("upstream " + upstreamName + " unreachable: connect timed out", false);
                        }
                    });
                }
            } catch (IOException | RuntimeException e) {
                close("upstream " + upstreamName + " unreachable: " + e.getMessage(), false);
            }
        }

        private void connected() {
            connected = true;
            lastActivity = System.nanoTime();
            safeLog(label + " connected, upstream " + upstreamName);
            interest();
        }

        @Override
        public void onReady(SelectionKey key) {
            if (done || !key.isValid()) {
                return;
            }
            if (key == serverKey && key.isConnectable()) {
                try {
                    server.finishConnect();
                } catch (IOException e) {
                    close("upstream " + upstreamName + " unreachable: " + e.getMessage(), false);
                    return;
                }
                connected();
                return;
            }
            Flow reading = key == clientKey ? up : down;
            Flow writing = key == clientKey ? down : up;
            if (key.isWritable()) {
                writing.out.flush();
            }
            if (!done && key.isValid() && key.isReadable()) {
                reading.read(key == clientKey ? client : server);
            }
        }

        @Override
        public void interest() {
            if (done || !connected) {
                return;
            }
            ops(clientKey, up, down);
            ops(serverKey, down, up);
        }

        /** A socket reads for the flow that starts at it and writes for the one that ends at it. */
        private void ops(SelectionKey key, Flow from, Flow to) {
            if (key == null || !key.isValid()) {
                return;
            }
            int ops = 0;
            if (!from.eof && !from.out.full()) {
                ops |= SelectionKey.OP_READ;
            }
            if (to.out.unsent()) {
                ops |= SelectionKey.OP_WRITE;
            }
            if (key.interestOps() != ops) {
                key.interestOps(ops);
            }
        }

        @Override
        public void sweep(long now) {
            if (done) {
                return;
            }
            if (idleNanos > 0 && now - lastActivity > idleNanos) {
                close("idle for " + FaultConfig.seconds(Duration.ofNanos(idleNanos)) + " s, closing", false);
            } else if (halfCloseNanos > 0 && halfClosedAt != 0 && now - halfClosedAt > halfCloseNanos) {
                close("one side half-closed " + FaultConfig.seconds(Duration.ofNanos(halfCloseNanos)) + " s ago, closing", false);
            } else {
                interest(); // a direction that stopped at the shared budget reads again once there is room
            }
        }

        /** How long one of its peers has not been taking what is sent to it; any thread. */
        long stuckNanos(long now) {
            Outbound a = up.out;
            Outbound b = down.out;
            return Math.max(a == null ? 0 : a.stuckNanos(now), b == null ? 0 : b.stuckNanos(now));
        }

        @Override
        public void internalError(Throwable e) {
            close("internal error: " + e, true);
        }

        @Override
        public void abort() {
            close("proxy stopped", false);
        }

        /** Passes an end of stream on; once both ways ended, the pair is done. */
        private void halfClose(SocketChannel to) {
            try {
                to.shutdownOutput();
            } catch (IOException ignored) {
                // the other side is gone already
            }
            if (++halfClosed == 2) {
                close("both sides closed", false);
            } else {
                halfClosedAt = System.nanoTime() | 1; // never 0, which means "not half-closed"
                interest();
            }
        }

        @Override
        public void close(String why, boolean rst) {
            if (done) {
                return;
            }
            done = true;
            for (SelectionKey k : new SelectionKey[]{clientKey, serverKey}) {
                if (k != null) {
                    k.cancel();
                }
            }
            for (SocketChannel s : new SocketChannel[]{client, server}) {
                if (s == null) {
                    continue;
                }
                try {
                    if (rst && s.isConnected()) {
                        s.setOption(StandardSocketOptions.SO_LINGER, 0); // close() then sends RST, not FIN
                    }
                    s.close();
                } catch (IOException ignored) {
                    // closing anyway
                }
            }
            for (Flow f : new Flow[]{up, down}) {
                if (f.out != null) {
                    f.out.closed(); // gives back its share of the budget
                }
            }
            loop.removed(this);
            open.remove(this);
            safeLog(label + " closed: " + (rst && why.equals("reset sent") ? "reset sent to both sides" : why));
        }

        /** One way through the pair. */
        private final class Flow {
            private final String name;
            private final FaultSource faults;
            /** Null for a way without faults: its bytes pass as they come. */
            private final UnitSplitter splitter;
            private final DeliveryLedger.Window seqs = new DeliveryLedger.Window(); // arrivals per seq, for "seq N #K"
            private final long opened = System.nanoTime();
            private Outbound out;
            private boolean eof;
            private long count;

            Flow(String name, boolean faulty, FaultSource faults) {
                this.name = name;
                this.faults = faults;
                this.splitter = faulty ? new UnitSplitter(maxFrame) : null;
            }

            void read(SocketChannel from) {
                if (out.full()) {
                    interest(); // the other side is not taking what it is owed: read no more for now
                    return;
                }
                ByteBuffer buf = loop.readBuffer();
                buf.clear();
                int n;
                try {
                    n = from.read(buf);
                } catch (IOException e) {
                    close(name + ": " + e.getMessage(), false);
                    return;
                }
                if (n == 0) {
                    return;
                }
                long arrival = System.nanoTime();
                lastActivity = arrival;
                if (n < 0) {
                    endOfStream();
                    return;
                }
                byte[] b = buf.array();
                if (splitter == null) {
                    out.send(b, 0, n, 1, arrival, false, null);
                } else {
                    for (UnitSplitter.Unit u : splitter.feed(b, 0, n)) {
                        unit(u, arrival);
                        if (done) {
                            return; // reset: what followed never arrived
                        }
                    }
                }
                out.release();
            }

            private void unit(UnitSplitter.Unit u, long arrival) {
                units.increment();
                count++;
                FaultSource.Decision d = faults.none() ? FaultSource.Decision.CLEAN
                        : faults.decide(request(u, arrival), u.corruptible(), u.bytes().length);
                if (d.clean() && !faults.shapes()) {
                    out.send(u.bytes(), 0, u.bytes().length, 1, arrival, false, null);
                    return;
                }
                long n = count;
                out.slice(faults.config().slice());
                try {
                    faults.apply(d, u.bytes(), u.lossReplacement(), () -> label + " " + name + " "
                                    + splitter.mode().name().toLowerCase(Locale.ROOT) + " unit " + n,
                            arrival, out, counters, FaultProxy.this::safeLog, FaultSource.Listener.NONE);
                } catch (IOException e) {
                    close(name + " failed: " + e.getMessage(), false);
                }
            }

            private void endOfStream() {
                eof = true;
                if (splitter != null) {
                    byte[] rest = splitter.drain();
                    if (rest.length > 0) {
                        out.send(rest, 0, rest.length, 1, System.nanoTime(), false, null);
                    }
                }
                SocketChannel to = this == up ? server : client;
                out.endOfInput();
                out.whenDrained(() -> halfClose(to));
                out.release();
                interest();
            }

            /** A unit as a script matches it; null without a script. */
            private FaultScript.Request request(UnitSplitter.Unit u, long arrival) {
                if (!faults.scripted()) {
                    return null;
                }
                byte[] b = u.bytes();
                FaultScript.RequestType type = FaultScript.RequestType.LINE;
                long seq = 0;
                int k = 0;
                long hello = 0;
                if (splitter.mode() == UnitSplitter.Mode.FRAMES && b.length >= FrameCodec.HEADER_BYTES) {
                    if (b[3] == 0x01) {
                        type = FaultScript.RequestType.HELLO;
                        hello = faults.script().nextHello();
                    } else {
                        type = FaultScript.RequestType.DATA;
                        seq = FrameCodec.getU32(b, 4);
                        k = seqs.arrive(seq);
                    }
                }
                return new FaultScript.Request(type, seq, k, hello, faults.script().nextRequest(), arrival - opened);
            }
        }
    }
}
