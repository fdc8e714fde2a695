package dev.wirelab.part2;

import dev.wirelab.common.FrameCodec;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.Objects;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;

/**
 * The report's echo server (section 3.2), made to fail on purpose: it echoes what it receives and
 * injects delay, loss, corruption, duplicates and resets into its replies, each with its own
 * probability, reproducibly from a seed.
 *
 * <p>One port, two protocols: a connection whose first bytes are the wire format's magic and
 * version (see {@code docs/wire-format.md}) speaks frames (HELLO, DATA → ACK echoing the payload,
 * ERROR); any other connection is line mode, where each newline-terminated line is a message, so
 * {@code nc} works. In frame mode the server remembers per client id which sequence numbers it
 * delivered: a retransmission is acknowledged again but handed to {@code onDelivery} once, also
 * across reconnects. A connection without HELLO is its own client, with id {@code #n ip:port}
 * (n counts connections), so nothing is deduplicated across connections without HELLO.
 *
 * <p>Clients are served by one event loop per core (non-blocking I/O with a selector), so a
 * thousand connections cost a thousand small buffers, not a thousand threads. A misbehaving
 * client (invalid frame, over-long line, idle past the timeout, vanishing mid-message) gets one
 * log line and its connection closed, and everyone else is served on. The log and the
 * {@code onDelivery} handler are called on an event loop's thread: keep them short.
 */
public final class EchoServer implements AutoCloseable {

    /** Connections waiting to be accepted; large enough for a thousand clients connecting at once. */
    private static final int BACKLOG = 4096;

    private final FaultConfig faults;
    private final int maxFrame;
    private final Duration idleTimeout;
    private final Consumer<String> log;
    private final Consumer<Delivery> onDelivery;
    private final ServerSocketChannel serverSocket;
    private final EventLoop[] loops;
    private final InetSocketAddress boundAddress;
    private final SplittableRandom random;
    private final DeliveryLedger ledger = new DeliveryLedger(this::log);
    private final Set<EchoConnection> open = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final Thread acceptor;

    final LongAdder connections = new LongAdder();
    final LongAdder messages = new LongAdder();
    final LongAdder delivered = new LongAdder();
    final LongAdder duplicatesSuppressed = new LongAdder();
    private final FaultInjector.Counters faultCounters = new FaultInjector.Counters();
    final LongAdder rejected = new LongAdder();

    private EchoServer(Builder b) throws IOException {
        this.faults = b.faults;
        this.maxFrame = b.maxFrame;
        this.idleTimeout = b.idleTimeout;
        this.log = b.log;
        this.onDelivery = b.onDelivery;
        this.random = new SplittableRandom(b.seed);
        ServerSocketChannel ss = ServerSocketChannel.open();
        try {
            ss.setOption(StandardSocketOptions.SO_REUSEADDR, true);
            ss.bind(new InetSocketAddress(InetAddress.getByName(b.host), b.port), BACKLOG);
        } catch (IOException | RuntimeException e) {
            ss.close();
            throw e;
        }
        this.serverSocket = ss;
        this.boundAddress = (InetSocketAddress) ss.getLocalAddress();
        int port = boundAddress.getPort();
        this.loops = new EventLoop[b.eventLoops];
        for (int i = 0; i < loops.length; i++) {
            loops[i] = new EventLoop("echo-loop-" + port + "-" + i, idleTimeout, b.busyPoll, this::log);
        }
        for (EventLoop loop : loops) {
            loop.siblings(loops);
            loop.start();
        }
        this.acceptor = Thread.ofPlatform().daemon().name("echo-accept-" + port).start(this::acceptLoop);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Configures and starts an {@link EchoServer}. */
    public static final class Builder {
        private String host = "127.0.0.1";
        private int port = 0;
        private FaultConfig faults = FaultConfig.none();
        private long seed = ThreadLocalRandom.current().nextLong();
        private int maxFrame = FrameCodec.DEFAULT_MAX_PAYLOAD;
        private Duration idleTimeout = Duration.ofMinutes(5);
        // One loop per core, as nginx runs one worker per core: more loops than cores only add
        // context switches, and fewer, fuller epoll_wait batches serve many clients with less CPU
        // (docs/performance.md compares the two).
        private int eventLoops = Math.max(1, Runtime.getRuntime().availableProcessors());
        private boolean busyPoll = true;
        private Consumer<String> log = null;
        private Consumer<Delivery> onDelivery = d -> { };

        private Builder() {
        }

        /** Address to listen on; default {@code 127.0.0.1}. */
        public Builder host(String host) {
            this.host = Objects.requireNonNull(host, "host");
            return this;
        }

        /** Port to listen on; default 0, any free port (read it back with {@link EchoServer#port()}). */
        public Builder port(int port) {
            this.port = Limits.listenPort(port);
            return this;
        }

        public Builder faults(FaultConfig f) {
            this.faults = Objects.requireNonNull(f, "faults");
            return this;
        }

        /** Seed of the random source that picks faults; the same seed and traffic give the same faults. */
        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        /** Largest payload of a frame, and longest line (without its newline), in bytes; default 65,536. */
        public Builder maxFrame(int payloadBytes) {
            this.maxFrame = Limits.maxFrame(payloadBytes);
            return this;
        }

        /** A connection that sends nothing for this long is closed; default 5 minutes, zero for never. */
        public Builder idleTimeout(Duration d) {
            if (d.isNegative()) {
                throw new IllegalArgumentException("idle timeout must not be negative");
            }
            this.idleTimeout = d;
            return this;
        }

        /** Receives one line per connection, per fault applied and per message; default: discarded. */
        public Builder log(Consumer<String> logLine) {
            this.log = logLine;
            return this;
        }

        /** Called once per (client id, seq) for each DATA message, on the client's connection thread. */
        public Builder onDelivery(Consumer<Delivery> handler) {
            this.onDelivery = Objects.requireNonNull(handler, "handler");
            return this;
        }

        /** Threads serving the connections, each with its own selector; default one per core. */
        public Builder eventLoops(int n) {
            if (n < 1 || n > 1024) {
                throw new IllegalArgumentException("event loops must be 1..1024, got " + n);
            }
            this.eventLoops = n;
            return this;
        }

        /**
         * Whether a loop that just had traffic may poll for a moment before it sleeps (default
         * true): lower latency for a few clients, for CPU while one client keeps a steady
         * ping-pong going (see EventLoop).
         */
        public Builder busyPoll(boolean on) {
            this.busyPoll = on;
            return this;
        }

        /** Binds and starts accepting; returns once clients can connect. */
        public EchoServer start() throws IOException {
            return new EchoServer(this);
        }
    }

    /** How often the loops polled before sleeping, for tests. */
    long polls() {
        long n = 0;
        for (EventLoop loop : loops) {
            n += loop.polls();
        }
        return n;
    }

    public int port() {
        return address().getPort();
    }

    public InetSocketAddress address() {
        return boundAddress;
    }

    public FaultConfig faults() {
        return faults;
    }

    public EchoServerStats stats() {
        return new EchoServerStats(connections.sum(), open.size(), messages.sum(), delivered.sum(),
                duplicatesSuppressed.sum(), faultCounters.delayed().sum(), faultCounters.lost().sum(),
                faultCounters.corrupted().sum(), faultCounters.duplicated().sum(), faultCounters.resets().sum(),
                rejected.sum());
    }

    /** Stops accepting and closes every connection; safe to call more than once. */
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
            loop.shutdown(); // closes the loop's connections
        }
        for (EchoConnection c : open) {
            c.abortFromServer(); // accepted but never registered: its loop has ended, no race
        }
        try {
            acceptor.join(Duration.ofSeconds(2));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void acceptLoop() {
        long number = 0;
        while (!closed.get()) {
            SocketChannel ch;
            try {
                ch = serverSocket.accept();
            } catch (ClosedChannelException e) {
                return;
            } catch (IOException e) {
                if (closed.get()) {
                    return;
                }
                log("accept failed: " + e.getMessage());
                pause(); // e.g. out of file descriptors: don't spin, let connections close
                continue;
            }
            number++;
            connections.increment();
            // One random stream per connection, split in accept order: reproducible per connection
            // and no lock shared between connections.
            EventLoop loop = liveLoop(number);
            if (loop == null) {
                log("no event loop left to serve " + ch.socket().getRemoteSocketAddress() + ", closing it");
                try {
                    ch.close();
                } catch (IOException ignored) {
                    // closing anyway
                }
                continue;
            }
            EchoConnection c = new EchoConnection(this, loop, ch, number, random.split());
            open.add(c);
            loop.execute(c::register);
            if (closed.get()) {
                loop.execute(c::abortFromServer);
                return;
            }
        }
    }

    /** The loop for connection {@code number}, round-robin over the loops still running. */
    private EventLoop liveLoop(long number) {
        for (int i = 0; i < loops.length; i++) {
            EventLoop loop = loops[(int) ((number + i) % loops.length)];
            if (loop.alive()) {
                return loop;
            }
        }
        return null;
    }

    private static void pause() {
        try {
            Thread.sleep(50);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    // ---- for EchoConnection ----------------------------------------------------------------

    int maxFrame() {
        return maxFrame;
    }

    Duration idleTimeout() {
        return idleTimeout;
    }

    FaultInjector.Counters faultCounters() {
        return faultCounters;
    }

    DeliveryLedger ledger() {
        return ledger;
    }

    boolean logging() {
        return log != null;
    }

    void log(String line) {
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
            log("delivery handler failed for seq=" + d.seq() + " from " + d.clientId() + ": " + e);
        }
    }

    void closed(EchoConnection c) {
        open.remove(c);
    }
}
