package dev.wirelab.part1.net;

import java.io.IOException;
import java.io.InputStream;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.Arrays;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import dev.wirelab.part1.tls.ServerHandshake;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;

/**
 * The section 3.1 server: accepts any number of clients (one virtual thread each), reports every
 * chunk it receives, and never answers. With a TLS context it speaks TLS 1.3 only.
 *
 * <p>What keeps one client (or a thousand) from locking the others out: at most
 * {@link Limits#maxClients} connections, every refused one reported; a TLS handshake that is not
 * done within {@link Limits#handshakeTimeout} <em>in total</em> is cut off, however slowly its
 * bytes trickle in; a connection that sends nothing for {@link Limits#idleTimeout} is closed.
 */
public final class InspectServer implements AutoCloseable {

    /** Same size as the report's {@code conn.recv(1024)}, so chunks look the same. */
    public static final int CHUNK = 1024;

    /**
     * How many clients at once, how long a whole TLS handshake may take, and how long a client may
     * send nothing ({@link Duration#ZERO}: no idle timeout).
     */
    public record Limits(int maxClients, Duration handshakeTimeout, Duration idleTimeout) {
        public static final Limits DEFAULT = new Limits(1024, Duration.ofSeconds(10), Duration.ofSeconds(120));

        public Limits {
            if (maxClients < 1) {
                throw new IllegalArgumentException("the client limit must be at least 1, got " + maxClients);
            }
            if (handshakeTimeout.isNegative() || handshakeTimeout.isZero()) {
                throw new IllegalArgumentException("the handshake timeout must be more than 0 s");
            }
            if (idleTimeout.isNegative()) {
                throw new IllegalArgumentException("the idle timeout must not be negative");
            }
        }
    }

    /**
     * Counters since the start: connections accepted, clients served (past the handshake), clients
     * dropped (a failed or overdue handshake, a TLS error), clients closed for being idle, clients
     * refused at the limit, and the chunks and bytes received.
     */
    public record Stats(long connections, long served, long dropped, long idleClosed, long refused, long chunks,
                        long bytes) {
        /** One line, as part 2's servers print theirs on stop. */
        public String line() {
            return "stopped: connections=" + connections + " served=" + served + " dropped=" + dropped
                    + " idle-closed=" + idleClosed + " refused=" + refused + " chunks=" + chunks + " bytes=" + bytes;
        }
    }

    private final ServerSocket listener;
    private final ServerEvents events;
    private final ServerHandshake tls;
    private final Limits limits;
    private final ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor();
    /** Ends handshakes that overrun their deadline; one thread, however many handshakes wait. */
    private final ScheduledThreadPoolExecutor deadlines;
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private final Thread acceptor;
    private final AtomicLong connections = new AtomicLong();
    private final AtomicLong served = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong idleClosed = new AtomicLong();
    private final AtomicLong refused = new AtomicLong();
    private final AtomicLong chunks = new AtomicLong();
    private final AtomicLong bytes = new AtomicLong();
    private volatile boolean closing;

    private InspectServer(ServerSocket listener, ServerEvents events, ServerHandshake tls, Limits limits) {
        this.listener = listener;
        this.events = events;
        this.tls = tls;
        this.limits = limits;
        this.deadlines = new ScheduledThreadPoolExecutor(1, r -> Thread.ofPlatform().daemon()
                .name("handshake-deadlines-" + listener.getLocalPort()).unstarted(r));
        // A handshake that finishes in time cancels its deadline; drop it from the queue at once,
        // so the queue holds only the handshakes still under way.
        deadlines.setRemoveOnCancelPolicy(true);
        this.acceptor = Thread.ofPlatform().name("accept-" + listener.getLocalPort()).daemon().unstarted(this::acceptLoop);
    }

    /** {@link #start(String, int, SSLContext, ServerEvents, Limits)} with the default limits. */
    public static InspectServer start(String host, int port, SSLContext tls, ServerEvents events) throws IOException {
        return start(host, port, tls, events, Limits.DEFAULT);
    }

    /**
     * Binds {@code host:port} (0 = any free port) and starts accepting; {@code tls} may be null.
     * A port out of range is an IllegalArgumentException; a host that does not resolve or a port
     * that is taken, an IOException saying so.
     */
    public static InspectServer start(String host, int port, SSLContext tls, ServerEvents events, Limits limits)
            throws IOException {
        return startWith(host, port, tls == null ? null : ServerHandshake.jsse(tls), events, limits);
    }

    /**
     * Like {@link #start(String, int, SSLContext, ServerEvents, Limits)}, with any TLS handshake
     * (the JDK's, or BouncyCastle's that logs the session keys); {@code tls} null: plain TCP.
     */
    public static InspectServer startWith(String host, int port, ServerHandshake tls, ServerEvents events,
                                          Limits limits) throws IOException {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port must be 0..65535, got " + port);
        }
        ServerSocket ss = new ServerSocket();
        try {
            InetAddress addr = InetAddress.getByName(host);
            ss.setReuseAddress(true);
            ss.bind(new InetSocketAddress(addr, port), 128);
        } catch (BindException e) {
            ss.close();
            throw new IOException("cannot listen on " + host + ":" + port + ": " + e.getMessage()
                    + (port != 0 ? " (is another server already running? try --port 0 or another port)" : ""), e);
        } catch (IOException e) {
            ss.close();
            if (e instanceof SocketException) {
                throw new IOException("cannot listen on " + host + ":" + port + ": " + e.getMessage(), e);
            }
            throw e;
        }
        InspectServer server = new InspectServer(ss, events, tls, limits);
        server.acceptor.start();
        return server;
    }

    public int port() {
        return listener.getLocalPort();
    }

    public InetSocketAddress address() {
        return (InetSocketAddress) listener.getLocalSocketAddress();
    }

    public boolean isTls() {
        return tls != null;
    }

    public Limits limits() {
        return limits;
    }

    public Stats stats() {
        return new Stats(connections.get(), served.get(), dropped.get(), idleClosed.get(), refused.get(),
                chunks.get(), bytes.get());
    }

    private void acceptLoop() {
        while (!closing) {
            Socket s;
            try {
                s = listener.accept();
            } catch (IOException e) {
                if (closing) {
                    return;
                }
                continue; // e.g. a client that reset before accept: keep serving the others
            }
            connections.incrementAndGet();
            if (open.size() >= limits.maxClients()) {
                refused.incrementAndGet();
                InetSocketAddress peer = (InetSocketAddress) s.getRemoteSocketAddress();
                closeQuietly(s);
                events.refused(peer, open.size(), limits.maxClients());
                continue;
            }
            open.add(s);
            try {
                clients.submit(() -> serve(s));
            } catch (RejectedExecutionException e) {
                open.remove(s);
                closeQuietly(s);
                return;
            }
        }
    }

    private void serve(Socket raw) {
        InetSocketAddress peer = (InetSocketAddress) raw.getRemoteSocketAddress();
        Socket s = raw;
        // How the connection ended is reported only once its slot is free: a client that sees
        // "disconnected" in the log and connects again must not be refused for the slot the
        // server is still giving back.
        Runnable ending = null;
        try {
            Socket ssl = tls == null ? raw : handshake(raw);
            if (ssl == null) {
                dropped.incrementAndGet(); // the server is closing
            } else {
                s = ssl;
                served.incrementAndGet();
                events.connected(peer);
                ending = read(s, peer);
            }
        } catch (HandshakeFailed e) {
            dropped.incrementAndGet();
            ending = failed(peer, e.getMessage());
        } catch (IOException e) {
            if (!closing) {
                dropped.incrementAndGet();
                ending = failed(peer, oneLine(e));
            }
        } catch (RuntimeException e) {
            dropped.incrementAndGet();
            ending = failed(peer, "internal error: " + oneLine(e));
        } finally {
            closeQuietly(s);
            closeQuietly(raw);
            open.remove(raw);
        }
        if (ending != null) {
            ending.run();
        }
    }

    /**
     * The server side of a TLS 1.3 handshake over {@code raw}, or null when the server is closing.
     * The deadline closes the plain socket underneath: that ends a blocked read at once, whatever
     * state the TLS engine is in, so a client that sends one byte every few seconds cannot keep
     * its handshake (and its slot) alive past the deadline.
     */
    private Socket handshake(Socket raw) throws IOException, HandshakeFailed {
        long ms = limits.handshakeTimeout().toMillis();
        raw.setSoTimeout((int) Math.min(Integer.MAX_VALUE, ms));
        AtomicBoolean overdue = new AtomicBoolean();
        ScheduledFuture<?> deadline;
        try {
            deadline = deadlines.schedule(() -> {
                overdue.set(true);
                closeQuietly(raw);
            }, ms, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            return null; // the server is closing
        }
        Socket ssl;
        try {
            ssl = tls.accept(raw);
        } catch (IOException e) {
            if (closing) {
                return null;
            }
            if (overdue.get() || e instanceof SocketTimeoutException) {
                throw new HandshakeFailed("no TLS handshake within " + seconds(limits.handshakeTimeout()) + " s");
            } else if (String.valueOf(e.getMessage()).contains("Unsupported or unrecognized SSL message")) {
                throw new HandshakeFailed("TLS handshake failed: the client does not speak TLS (" + oneLine(e) + ")");
            }
            throw new HandshakeFailed("TLS handshake failed: " + oneLine(e));
        } finally {
            deadline.cancel(false);
        }
        if (overdue.get()) {
            // The deadline fired just as the handshake ended: the socket is closed already.
            throw new HandshakeFailed("no TLS handshake within " + seconds(limits.handshakeTimeout()) + " s");
        }
        return ssl;
    }

    /** The report of a connection that ended with {@code why}, made once its slot is free. */
    private Runnable failed(InetSocketAddress peer, String why) {
        return () -> events.failed(peer, why);
    }

    /** Why a TLS handshake failed, in the words the log shows. */
    private static final class HandshakeFailed extends Exception {
        private static final long serialVersionUID = 1L;

        HandshakeFailed(String why) {
            super(why, null, false, false);
        }
    }

    /** Reads until the client goes; returns the report of how it went (null: the server is closing). */
    private Runnable read(Socket s, InetSocketAddress peer) throws IOException {
        Duration idle = limits.idleTimeout();
        s.setSoTimeout(idle.isZero() ? 0 : (int) Math.min(Integer.MAX_VALUE, idle.toMillis()));
        InputStream in = s.getInputStream();
        byte[] buf = new byte[CHUNK];
        boolean first = tls == null;
        while (true) {
            int n;
            try {
                n = in.read(buf);
            } catch (SocketTimeoutException e) {
                idleClosed.incrementAndGet();
                return failed(peer, "nothing received for " + seconds(idle) + " s: closed (idle timeout)");
            } catch (SSLException e) {
                dropped.incrementAndGet();
                return failed(peer, "TLS error: " + oneLine(e));
            } catch (SocketException e) {
                if (closing) {
                    return null;
                }
                break; // reset by the peer counts as a disconnect, like the report's except: break
            }
            if (n < 0) {
                break;
            }
            if (first && n > 0) {
                first = false;
                if (isClientHello(buf, n)) {
                    // A TLS client waits for a Server Hello that will never come: closing tells
                    // it at once, and the log says why instead of showing 300 bytes of binary.
                    dropped.incrementAndGet();
                    return failed(peer, "it sent a TLS Client Hello, but this server runs without --tls");
                }
            }
            if (n > 0) {
                chunks.incrementAndGet();
                bytes.addAndGet(n);
                events.received(peer, Arrays.copyOf(buf, n));
            }
        }
        return () -> events.disconnected(peer);
    }

    /** A TLS handshake record whose first message is a Client Hello (type 1). */
    static boolean isClientHello(byte[] b, int len) {
        return len >= 6 && b[0] == 22 && NetClient.looksLikeTlsRecord(b) && b[5] == 1;
    }

    /** 10 for ten seconds, 0.5 for half a second. */
    static String seconds(Duration d) {
        long ms = d.toMillis();
        return ms % 1000 == 0 ? Long.toString(ms / 1000) : Double.toString(ms / 1000.0);
    }

    private static String oneLine(Throwable e) {
        return String.valueOf(e.getMessage()).replace('\n', ' ');
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // nothing left to do with a socket we are dropping
        }
    }

    @Override
    public void close() {
        closing = true;
        try {
            listener.close();
        } catch (IOException ignored) {
            // closing anyway
        }
        open.forEach(InspectServer::closeQuietly);
        clients.shutdown();
        deadlines.shutdownNow();
        try {
            clients.awaitTermination(5, TimeUnit.SECONDS);
            acceptor.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
