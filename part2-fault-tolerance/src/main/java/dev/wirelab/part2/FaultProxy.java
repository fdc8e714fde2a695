package dev.wirelab.part2;

import dev.wirelab.common.FrameCodec;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;

/**
 * A TCP proxy that injects the echo server's faults between any client and any server, as
 * toxiproxy does: each accepted client gets its own connection to the upstream, and the bytes
 * flowing in the chosen direction(s) are cut into frames, lines or chunks ({@link UnitSplitter})
 * that are delayed, lost, corrupted, duplicated, or replaced by a reset of both connections.
 *
 * <p>What one client can hold is bounded: at most {@code maxConnections} pairs (more are refused
 * with a log line a second), a pair with no traffic for the idle timeout is closed, and so is one
 * whose one side has been half-closed for the half-close timeout. With delay, queued replies are
 * bounded per direction ({@link ReplyChannel#MAX_PENDING_BYTES}) and over the whole proxy
 * ({@link Builder#maxQueuedBytes}); when the proxy-wide budget runs out, the pair whose writer has
 * been stuck longest on a peer that does not read is closed to make room.
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

    private final InetSocketAddress upstream;
    private final FaultConfig faults;
    private final Direction direction;
    private final int maxFrame;
    private final Consumer<String> log;
    private final ServerSocket serverSocket;
    private final SplittableRandom random;
    private final Set<Pair> open = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final Thread acceptor;
    private final LongAdder connections = new LongAdder();
    private final LongAdder units = new LongAdder();
    private final FaultCounters counters = new FaultCounters();
    private final ReplyChannel.WriterCount writers = new ReplyChannel.WriterCount();
    private final int maxConnections;
    private final long idleNanos;
    private final long halfCloseNanos;
    private final int maxQueuedBytes;
    private final java.util.concurrent.Semaphore queueBudget;
    private final LongAdder refused = new LongAdder();
    private final LongAdder shed = new LongAdder();
    private final RefusalLog refusals;
    private final Thread sweeper;

    /** A pair whose writer has been stuck this long may be closed when the shared budget runs out. */
    private static final long SHED_AFTER_NANOS = 1_000_000_000L;
    private static final long SWEEP_NANOS = 200_000_000L;

    private FaultProxy(Builder b) throws IOException {
        this.upstream = Objects.requireNonNull(b.upstream, "upstream");
        this.faults = b.faults;
        this.direction = b.direction;
        this.maxFrame = b.maxFrame;
        this.log = b.log;
        this.random = new SplittableRandom(b.seed);
        this.maxConnections = b.maxConnections;
        this.idleNanos = b.idleTimeout.toNanos();
        this.halfCloseNanos = b.halfCloseTimeout.toNanos();
        this.maxQueuedBytes = b.maxQueuedBytes;
        this.queueBudget = new java.util.concurrent.Semaphore(b.maxQueuedBytes);
        this.refusals = new RefusalLog(this::safeLog);
        ServerSocket ss = new ServerSocket();
        try {
            ss.setReuseAddress(true);
            ss.bind(new InetSocketAddress(InetAddress.getByName(b.host), b.port), 4096);
        } catch (IOException e) {
            ss.close();
            throw e;
        }
        serverSocket = ss;
        startVirtualThreadPoller();
        acceptor = Thread.ofPlatform().daemon().name("proxy-accept-" + ss.getLocalPort()).start(this::acceptLoop);
        sweeper = Thread.ofVirtual().name("proxy-sweep-" + ss.getLocalPort()).start(this::sweepLoop);
    }

    /**
     * Starts the JDK's poller for blocking socket I/O on virtual threads now. It starts lazily, on
     * the first virtual thread that waits on a socket, and needs file descriptors of its own: if
     * that first wait happens while the process is out of descriptors, its class initialisation
     * fails for good and every later connection fails with NoClassDefFoundError.
     */
    private static void startVirtualThreadPoller() {
        try {
            Class.forName("sun.nio.ch.Poller", true, ClassLoader.getSystemClassLoader());
        } catch (Throwable e) {
            // Another JDK's internals: it then starts on first use, as before.
        }
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
            if (bytes < ReplyChannel.MAX_PENDING_BYTES) {
                throw new IllegalArgumentException("max queued bytes must be at least " + ReplyChannel.MAX_PENDING_BYTES);
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
        return serverSocket.getLocalPort();
    }

    public InetSocketAddress address() {
        return (InetSocketAddress) serverSocket.getLocalSocketAddress();
    }

    public FaultProxyStats stats() {
        return new FaultProxyStats(connections.sum(), open.size(), units.sum(), refused.sum(), shed.sum(),
                counters.snapshot());
    }

    /** Bytes of delayed replies queued over all connections (payload plus a fixed cost per reply). */
    long queuedBytes() {
        return maxQueuedBytes - queueBudget.availablePermits();
    }

    /** Delayed-reply writer threads still running (two per live connection with delay, none after). */
    ReplyChannel.WriterCount writers() {
        return writers;
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
        for (Pair p : open) {
            p.close("proxy stopped", false);
        }
        sweeper.interrupt();
        try {
            acceptor.join(java.time.Duration.ofSeconds(2));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void acceptLoop() {
        long number = 0;
        while (!closed.get()) {
            Socket client;
            try {
                client = serverSocket.accept();
            } catch (IOException e) {
                if (closed.get()) {
                    return;
                }
                log.accept("accept failed: " + e.getMessage());
                pause(); // e.g. out of file descriptors: don't spin and flood the log, let connections close
                continue;
            } catch (Throwable e) {
                // Whatever it is (an Error while out of file descriptors, say), the proxy keeps accepting.
                safeLog("accept failed: " + e);
                pause();
                continue;
            }
            if (open.size() >= maxConnections) {
                refused.increment();
                String remote = client.getInetAddress().getHostAddress() + ":" + client.getPort();
                try {
                    client.close();
                } catch (IOException ignored) {
                    // refused anyway
                }
                refusals.refused(remote, open.size(), maxConnections);
                continue;
            }
            try {
                number++;
                connections.increment();
                Pair p = new Pair(client, number, random.split(), random.split());
                open.add(p);
                Thread.ofVirtual().name("proxy " + number).start(p::run);
            } catch (Throwable e) {
                safeLog("could not serve connection #" + number + ": " + e);
                try {
                    client.close();
                } catch (Throwable ignored) {
                    // closing anyway
                }
                pause();
            }
        }
    }

    /** Closes idle and long half-closed pairs, and frees the shared budget from peers that do not read. */
    private void sweepLoop() {
        while (!closed.get()) {
            try {
                Thread.sleep(java.time.Duration.ofNanos(SWEEP_NANOS));
            } catch (InterruptedException e) {
                return;
            }
            try {
                sweep(System.nanoTime());
            } catch (Throwable e) {
                safeLog("sweep failed: " + e);
            }
        }
    }

    private void sweep(long now) {
        Pair stuckest = null;
        long longest = 0;
        for (Pair p : open) {
            long quiet = now - p.lastActivity;
            long half = p.halfClosedAt;
            if (idleNanos > 0 && quiet > idleNanos) {
                p.close("idle for " + FaultConfig.seconds(java.time.Duration.ofNanos(idleNanos)) + " s, closing", false);
            } else if (halfCloseNanos > 0 && half != 0 && now - half > halfCloseNanos) {
                p.close("one side half-closed " + FaultConfig.seconds(java.time.Duration.ofNanos(halfCloseNanos))
                        + " s ago, closing", false);
            } else {
                long stuck = p.stuckNanos(now);
                if (stuck > longest) {
                    longest = stuck;
                    stuckest = p;
                }
            }
        }
        if (stuckest != null && longest > SHED_AFTER_NANOS
                && queueBudget.availablePermits() < ReplyChannel.MAX_PENDING_BYTES) {
            shed.increment();
            stuckest.close("not reading its replies for " + FaultConfig.seconds(java.time.Duration.ofNanos(longest))
                    + " s while the proxy's queue budget (" + maxQueuedBytes + " bytes) is full, closing to make room", false);
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

    /** One client and its upstream connection. */
    private final class Pair {
        private final Socket client;
        private final String label;
        private final FaultSource upFaults;
        private final FaultSource downFaults;
        private final AtomicBoolean done = new AtomicBoolean();
        private final AtomicInteger halfClosed = new AtomicInteger();
        private volatile Socket server;
        private final Set<ReplyChannel> channels = ConcurrentHashMap.newKeySet();
        /** System.nanoTime of the last bytes read from either side. */
        private volatile long lastActivity = System.nanoTime();
        /** System.nanoTime when the first side ended its stream, 0 before. */
        private volatile long halfClosedAt;

        Pair(Socket client, long number, SplittableRandom upRandom, SplittableRandom downRandom) {
            this.client = client;
            this.label = "#" + number + " " + client.getInetAddress().getHostAddress() + ":" + client.getPort();
            this.upFaults = new FaultSource(faults, upRandom, null);
            this.downFaults = new FaultSource(faults, downRandom, null);
        }

        void run() {
            try {
                connectAndPump();
            } catch (Throwable e) {
                close("failed: " + e, false);
            }
        }

        private void connectAndPump() {
            Socket s = new Socket();
            try {
                s.connect(upstream, 5000);
                s.setTcpNoDelay(true);
                client.setTcpNoDelay(true);
                server = s;
            } catch (IOException e) {
                try {
                    s.close();
                } catch (IOException ignored) {
                    // never connected
                }
                close("upstream " + upstream.getHostString() + ":" + upstream.getPort() + " unreachable: " + e.getMessage(), false);
                return;
            }
            log.accept(label + " connected, upstream " + upstream.getHostString() + ":" + upstream.getPort());
            Thread.ofVirtual().name(label + " down").start(() -> pump(server, client, direction.down(), downFaults, "down"));
            pump(client, server, direction.up(), upFaults, "up");
        }

        private void pump(Socket from, Socket to, boolean faulty, FaultSource injector, String name) {
            try {
                ReplyChannel channel = new ReplyChannel(to.getOutputStream(), faulty && faults.delays(), label + " " + name,
                        e -> close(name + " write failed: " + e.getMessage(), false), () -> close("reset sent to both sides", true),
                        writers, queueBudget);
                channels.add(channel);
                if (done.get()) {
                    channel.stop(); // closed while this one was being made: close() did not see it
                }
                UnitSplitter splitter = faulty ? new UnitSplitter(maxFrame) : null;
                InputStream in = from.getInputStream();
                byte[] buf = new byte[8192];
                long count = 0;
                while (true) {
                    int n = in.read(buf);
                    if (n < 0) {
                        if (splitter != null) {
                            byte[] rest = splitter.drain();
                            if (rest.length > 0) {
                                channel.send(rest, 1, System.nanoTime());
                            }
                        }
                        channel.finish(() -> halfClose(to, name));
                        return;
                    }
                    long arrival = System.nanoTime();
                    lastActivity = arrival;
                    if (splitter == null) {
                        channel.send(buf, 0, n, 1, arrival);
                    } else {
                        for (UnitSplitter.Unit u : splitter.feed(buf, 0, n)) {
                            units.increment();
                            count++;
                            FaultSource.Decision d = injector.decide(null, u.corruptible(), u.bytes().length);
                            if (d.clean()) {
                                channel.send(u.bytes(), 1, arrival);
                            } else {
                                long unit = count;
                                injector.apply(d, u.bytes(), u.lossReplacement(), () -> label + " " + name + " "
                                        + splitter.mode().name().toLowerCase(Locale.ROOT) + " unit " + unit,
                                        arrival, channel, counters, log, FaultSource.Listener.NONE);
                            }
                        }
                    }
                    channel.flush();
                }
            } catch (SocketException e) {
                close(name + ": " + e.getMessage(), false);
            } catch (IOException e) {
                close(name + " failed: " + e.getMessage(), false);
            } catch (Throwable e) {
                close(name + " failed: " + e, false);
            }
        }

        /** Passes an end of stream on; once both directions ended, the pair is done. */
        private void halfClose(Socket to, String name) {
            try {
                to.shutdownOutput();
            } catch (IOException ignored) {
                // the other side is gone already
            }
            if (halfClosed.incrementAndGet() == 2) {
                close("both sides closed", false);
            } else {
                halfClosedAt = System.nanoTime() | 1; // never 0, which means "not half-closed"
            }
        }

        long stuckNanos(long now) {
            long most = 0;
            for (ReplyChannel c : channels) {
                most = Math.max(most, c.stuckNanos(now));
            }
            return most;
        }

        void close(String why, boolean rst) {
            if (!done.compareAndSet(false, true)) {
                return;
            }
            for (Socket s : new Socket[]{client, server}) {
                if (s == null) {
                    continue;
                }
                try {
                    if (rst) {
                        s.setSoLinger(true, 0);
                    }
                    s.close();
                } catch (IOException ignored) {
                    // closing anyway
                }
            }
            // A writer waiting for its next reply would otherwise wait forever: two threads leaked
            // per connection that ends abnormally.
            for (ReplyChannel c : channels) {
                c.stop();
            }
            open.remove(this);
            safeLog(label + " closed: " + why);
        }
    }
}
