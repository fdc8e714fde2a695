package dev.wirelab.part2;

import dev.wirelab.common.FrameCodec;
import dev.wirelab.part2.server.EchoConnection;
import dev.wirelab.part2.server.EventLoop;
import dev.wirelab.part2.server.Limits;
import dev.wirelab.part2.server.RefusalLog;
import dev.wirelab.part2.server.ServerContext;

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

    /** The settings, counters, ledger and log the connections share. */
    private final ServerContext context;
    private final int maxConnections;
    private final ServerSocketChannel serverSocket;
    private final EventLoop[] loops;
    private final InetSocketAddress boundAddress;
    private final SplittableRandom random;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final Thread acceptor;
    private final FaultScript script;
    private final RefusalLog refusals;

    private EchoServer(Builder b) throws IOException {
        this.context = new ServerContext(b.faults, b.script, b.maxFrame, b.idleTimeout, b.log, b.onDelivery, b.observer,
                b.maxBufferedBytes);
        this.maxConnections = b.maxConnections;
        this.script = b.script;
        this.refusals = new RefusalLog(context::log);
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
            loops[i] = new EventLoop("echo-loop-" + port + "-" + i, EventLoop.sweepFor(b.idleTimeout, Duration.ofSeconds(1)),
                    context::log);
        }
        for (EventLoop loop : loops) {
            loop.start();
        }
        this.acceptor = Thread.ofPlatform().daemon().name("echo-accept-" + port).start(this::acceptLoop);
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * What all connections' replies may hold together by default: a small share of a student's
     * heap, and far more than clients that read ever need at once.
     */
    public static final long DEFAULT_MAX_BUFFERED_BYTES = 32L << 20;

    /** The connection limit without {@link Builder#maxConnections}: room left by the file descriptor limit, at most 10,000. */
    public static int defaultMaxConnections() {
        return Limits.defaultMaxConnections(1);
    }

    /** Configures and starts an {@link EchoServer}. */
    public static final class Builder {
        private String host = "127.0.0.1";
        private int port = 0;
        private FaultConfig faults = FaultConfig.none();
        private long seed = ThreadLocalRandom.current().nextLong();
        private int maxFrame = FrameCodec.DEFAULT_MAX_PAYLOAD;
        private Duration idleTimeout = Duration.ofMinutes(5);
        private int maxConnections = Limits.defaultMaxConnections(1);
        private long maxBufferedBytes = DEFAULT_MAX_BUFFERED_BYTES;
        // One loop per core, as nginx runs one worker per core: more loops than cores only add
        // context switches, and fewer, fuller epoll_wait batches serve many clients with less CPU
        // (docs/performance.md compares the two).
        private int eventLoops = Math.max(1, Runtime.getRuntime().availableProcessors());
        private Consumer<String> log = null;
        private Consumer<Delivery> onDelivery = d -> { };
        private FaultScript script = FaultScript.none();
        private ServerObserver observer;

        private Builder() {
        }

        /**
         * Faults on exact events ({@link FaultScript}); its rules win over the random rates for
         * the events they name. Default: none. Each server keeps its own record of fired rules.
         */
        public Builder script(FaultScript script) {
            this.script = Objects.requireNonNull(script, "script");
            return this;
        }

        /**
         * Receives a {@link ServerEvent} for each connection, HELLO, DATA, delivery, fault and
         * reply, on the serving loop's thread: it must not block. Default: none (and then the
         * server spends nothing on events).
         */
        public Builder observer(ServerObserver observer) {
            this.observer = Objects.requireNonNull(observer, "observer");
            return this;
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

        /**
         * Connections served at once; one more is accepted and closed at once, with a log line
         * (at most one a second). Default: what the file descriptor limit leaves room for, at most
         * 10,000 (see {@link #defaultMaxConnections()}).
         */
        public Builder maxConnections(int n) {
            this.maxConnections = Limits.maxConnections(n);
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

        /**
         * Reply bytes all connections may hold together (unsent, or waiting for a delay) before
         * those holding more than 32 KiB each stop being read; default
         * {@link #DEFAULT_MAX_BUFFERED_BYTES}.
         */
        public Builder maxBufferedBytes(long bytes) {
            if (bytes < 1) {
                throw new IllegalArgumentException("the buffered-bytes bound must be positive, got " + bytes);
            }
            this.maxBufferedBytes = bytes;
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

        /** Binds and starts accepting; returns once clients can connect. */
        public EchoServer start() throws IOException {
            return new EchoServer(this);
        }
    }

    /** Reply bytes the connections hold together now (unsent, or waiting for a delay); any thread. */
    public long bufferedBytes() {
        return context.buffered().used();
    }

    public int port() {
        return address().getPort();
    }

    public InetSocketAddress address() {
        return boundAddress;
    }

    public FaultConfig faults() {
        return context.faults();
    }

    /** Changes the random faults for the next requests, on every connection; safe from any thread. */
    public void setFaults(FaultConfig f) {
        context.setFaults(Objects.requireNonNull(f, "faults"));
    }

    /** The script this server runs ({@link FaultScript#none()} without one). */
    public FaultScript script() {
        return script;
    }

    public EchoServerStats stats() {
        return context.stats();
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
        for (EchoConnection c : context.openConnections()) {
            c.abort(); // accepted but never registered: its loop has ended, no race
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
                context.log("accept failed: " + e.getMessage());
                pause(); // e.g. out of file descriptors: don't spin, let connections close
                continue;
            }
            if (context.open() >= maxConnections) {
                refuse(ch);
                continue;
            }
            number++;
            // One random stream per connection, split in accept order: reproducible per connection
            // and no lock shared between connections.
            EventLoop loop = EventLoop.pick(loops, number);
            if (loop == null) {
                context.log("no event loop left to serve " + ch.socket().getRemoteSocketAddress() + ", closing it");
                try {
                    ch.close();
                } catch (IOException ignored) {
                    // closing anyway
                }
                continue;
            }
            EchoConnection c = context.accepted(loop, ch, number, random.split());
            loop.execute(c::register);
            if (closed.get()) {
                loop.execute(c::abort);
                return;
            }
        }
    }

    /** At the connection limit: closed at once, counted, and logged at most once a second. */
    private void refuse(SocketChannel ch) {
        context.refusedOne();
        String remote;
        try {
            remote = String.valueOf(ch.getRemoteAddress()).replace("/", "");
        } catch (IOException | RuntimeException e) {
            remote = "unknown";
        }
        try {
            ch.close();
        } catch (IOException ignored) {
            // refused anyway
        }
        refusals.refused(remote, context.open(), maxConnections);
    }

    private static void pause() {
        try {
            Thread.sleep(50);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
