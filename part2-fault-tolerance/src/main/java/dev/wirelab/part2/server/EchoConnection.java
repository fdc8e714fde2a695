package dev.wirelab.part2.server;

import dev.wirelab.common.FrameDecoder;
import dev.wirelab.common.FrameFormatException;
import dev.wirelab.part2.EchoServer;
import dev.wirelab.part2.FaultConfig;
import dev.wirelab.part2.ServerEvent;
import dev.wirelab.part2.ServerObserver;
import dev.wirelab.part2.fault.FaultSource;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;

/**
 * One client of the {@link EchoServer}, in three stages as Netty's pipeline: this class reads,
 * detects line or frame mode from the first bytes and cuts the input into messages (a
 * {@link LineSplitter} or a {@link dev.wirelab.common.FrameDecoder}); its {@link EchoHandler}
 * answers each message with the faults decided for it; its {@link Outbound} sends the answers
 * when they are due. Runs on its {@link EventLoop}'s thread only, so it needs no locks; a
 * misbehaving client only ever ends its own connection.
 *
 * <p>Memory per connection is bounded: the unfinished line or frame (at most max-frame bytes) and
 * what {@link Outbound} holds; past that the connection stops reading, and TCP's flow control
 * pushes back on the client.
 */
public final class EchoConnection implements Served, Outbound.Host {

    public static final byte[] PACKET_LOSS_LINE = "Packet Loss\n".getBytes(StandardCharsets.US_ASCII);
    public static final String PACKET_LOSS = "Packet Loss";
    /** Heap bytes of replies not yet due one connection may queue before it stops reading. */
    static final int MAX_QUEUED_BYTES = 1 << 20;
    /** Bytes the socket has not taken yet past which the connection stops reading. */
    static final int MAX_UNSENT_BYTES = 256 * 1024;
    /**
     * What one connection may always hold, whatever the others hold: once the server-wide bound
     * is used up, only connections holding more stop being read, so a client that reads its
     * replies is served while a thousand that do not are held at this.
     */
    public static final int RESERVE_BYTES = 32 * 1024;
    private static final int DISCARD_LIMIT = 1 << 20;
    /** How long an over-long line's sender may take to read the error, without an idle timeout. */
    private static final long DISCARD_GRACE_NANOS = 10_000_000_000L;

    private final ServerContext server;
    private final EventLoop loop;
    private final SocketChannel channel;
    private final long number;
    private final String remote;
    private final String label;
    private final FaultSource faults;
    private final boolean logging;
    private final ServerObserver observer;
    private final Outbound outbound;
    private final EchoHandler handler;
    private SelectionKey key;
    private boolean closed;
    private boolean resetSent;
    private long arrival;
    private long lastRead;
    private long opened;

    // Input.
    private final Sniffer sniffer = new Sniffer();
    private LineSplitter splitter;
    /** Made once: a method reference per read would be an allocation per read. */
    private final LineSplitter.Sink lineSink;
    private FrameDecoder decoder;
    private boolean eof;
    private boolean discarding;
    private int discarded;
    private String discardReason;

    EchoConnection(ServerContext server, EventLoop loop, SocketChannel channel, long number, SplittableRandom random) {
        this.server = server;
        this.loop = loop;
        this.channel = channel;
        this.number = number;
        String r;
        String ip;
        try {
            InetSocketAddress a = (InetSocketAddress) channel.getRemoteAddress();
            ip = a.getAddress().getHostAddress();
            r = ip + ":" + a.getPort();
        } catch (IOException | RuntimeException e) {
            ip = r = "unknown";
        }
        this.remote = r;
        this.label = "#" + number + " " + remote;
        this.faults = new FaultSource(server::faults, random, server.scriptRunner());
        this.logging = server.logging();
        this.observer = server.observer();
        this.outbound = new Outbound(channel, loop, this, MAX_QUEUED_BYTES, MAX_UNSENT_BYTES, server.buffered(), RESERVE_BYTES);
        this.handler = new EchoHandler(server, this, outbound, faults, number, label, ip);
        this.lineSink = handler::line;
    }

    /** On the loop: starts serving. */
    public void register() {
        opened = lastRead = System.nanoTime();
        log(label + " connected");
        observe(new ServerEvent.ConnectionOpened(opened, number, remote));
        try {
            channel.configureBlocking(false);
            channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
            key = channel.register(loop.selector(), SelectionKey.OP_READ, this);
        } catch (IOException e) {
            close("could not be registered: " + e.getMessage(), false);
            return;
        }
        loop.added(this);
    }

    @Override
    public void abort() {
        close("server stopped", false);
    }

    @Override
    public void internalError(Throwable e) {
        close("internal error: " + e, true);
    }

    @Override
    public void sweep(long now) {
        long idle = server.idleTimeout().toNanos();
        if (!closed && idle > 0 && now - lastRead > idle && !discarding) {
            server.rejected.increment();
            close("idle for " + FaultConfig.seconds(server.idleTimeout()) + " s, closing", false);
        }
    }

    @Override
    public void onReady(SelectionKey k) {
        if (!k.isValid()) {
            return;
        }
        if (k.isWritable()) {
            outbound.flush();
        }
        if (!closed && k.isValid() && k.isReadable()) {
            read();
        }
    }

    // ---- input -----------------------------------------------------------------------------

    private void read() {
        int n;
        try {
            n = loop.read(channel);
        } catch (IOException e) {
            close("connection error: " + e.getMessage(), false);
            return;
        }
        if (n == 0) {
            return;
        }
        lastRead = System.nanoTime();
        if (discarding) {
            if (n < 0) {
                // The client half-closed after its over-long line: what it is still owed (earlier
                // delayed echoes, the error) goes out first, then the connection closes.
                discarding = false;
                eof = true;
                if (!outbound.drainPending() && outbound.empty()) {
                    close(discardReason, false);
                } else {
                    interest();
                }
                return;
            }
            discarded += n;
            if (discarded > DISCARD_LIMIT) {
                close(discardReason, false);
            }
            return;
        }
        if (n < 0) {
            endOfStream();
            return;
        }
        arrival = lastRead;
        consume(loop.readBytes(), n);
        if (!closed) {
            outbound.release();
        }
    }

    private void consume(byte[] b, int n) {
        int off = 0;
        if (sniffer.mode() == Sniffer.Mode.UNDECIDED) {
            off = sniffer.feed(b, 0, n);
            if (sniffer.mode() == Sniffer.Mode.UNDECIDED) {
                return;
            }
            boolean frames = sniffer.mode() == Sniffer.Mode.FRAMES;
            log(label + (frames ? " speaks frames (wire format v1)" : " speaks lines"));
            if (frames) {
                decoder = new FrameDecoder(server.maxFrame());
            } else {
                splitter = new LineSplitter(server.maxFrame());
            }
            if (!process(sniffer.prefix(), 0, sniffer.prefixLength())) {
                return;
            }
        }
        process(b, off, n - off);
    }

    /** False when the connection closed (or stopped listening) on the way. */
    private boolean process(byte[] b, int off, int len) {
        return sniffer.mode() == Sniffer.Mode.LINES ? lines(b, off, len) : frames(b, off, len);
    }

    private void endOfStream() {
        eof = true;
        String why = "client closed";
        Sniffer.Mode mode = sniffer.mode();
        if (mode == Sniffer.Mode.LINES && splitter.buffered() > 0) {
            server.rejected.increment();
            why = "client closed in the middle of a line, " + splitter.buffered() + " unterminated bytes discarded";
        } else if (mode == Sniffer.Mode.FRAMES && decoder.buffered() > 0) {
            server.rejected.increment();
            why = "client closed in the middle of a frame, " + decoder.buffered() + " bytes discarded";
        } else if (mode == Sniffer.Mode.UNDECIDED) {
            int n = sniffer.prefixLength();
            why = n == 0 ? "client closed without sending anything" : "client closed after " + n + " bytes";
        }
        // The client half-closed but may still read: close once every reply it is owed has left.
        String reason = why;
        outbound.endOfInput();
        outbound.whenDrained(() -> close(reason, false));
        outbound.release();
    }

    // ---- line mode -------------------------------------------------------------------------

    private boolean lines(byte[] buf, int off, int len) {
        splitter.feed(buf, off, len, lineSink);
        if (splitter.overlong() >= 0) {
            return overlong(splitter.overlong());
        }
        return !closed;
    }

    private boolean overlong(long length) {
        server.rejected.increment();
        String why = "line longer than " + server.maxFrame() + " bytes (" + length + "+ without a newline), closing";
        byte[] msg = ("error: " + why + "\n").getBytes(StandardCharsets.US_ASCII);
        long now = System.nanoTime();
        long lastDue = outbound.lastDue(now);
        if (outbound.direct()) {
            outbound.append(msg, 0, msg.length, null);
        } else {
            // Earlier lines' delayed echoes are owed first: the error queues behind them.
            outbound.send(msg, 0, msg.length, 1, now, false, null);
        }
        // Closing with unread input would send an RST that can destroy the error line before the
        // client reads it: send FIN after it, and discard (a bounded amount of) what still comes.
        discarding = true;
        discardReason = why;
        splitter.drain();
        outbound.whenDrained(() -> {
            try {
                channel.shutdownOutput();
            } catch (IOException ignored) {
                // the close below ends it anyway
            }
            loop.schedule(System.nanoTime() + 1_000_000_000L, () -> close(why, false));
        });
        // The close above waits for the output to drain, which a client that does not read never
        // lets happen, and the idle sweep skips a discarding connection: bound it from here too.
        long idle = server.idleTimeout().toNanos();
        loop.schedule(lastDue + (idle > 0 ? idle : DISCARD_GRACE_NANOS), () -> close(why, false));
        outbound.release();
        return false;
    }

    // ---- frame mode ------------------------------------------------------------------------

    private boolean frames(byte[] b, int off, int len) {
        try {
            // Frames that complete before a bad one in the same read are still answered: the
            // client then only retransmits what really was not acknowledged.
            decoder.feed(b, off, len, f -> {
                if (!closed) {
                    handler.frame(f);
                }
            });
        } catch (FrameFormatException e) {
            if (closed) {
                return false;
            }
            server.rejected.increment();
            String why = "invalid frame (" + e.reason() + ": " + e.getMessage() + "), closing";
            if (outbound.queued()) {
                // With delay the good frames' ACKs are still queued: closing now would discard
                // them, and the client would retransmit what was delivered. Read no more, and
                // close once they left (bounded, should the client never read them).
                eof = true;
                outbound.whenDrained(() -> close(why, false));
                loop.schedule(outbound.lastDue(System.nanoTime()) + 1_000_000_000L, () -> close(why, false));
                return false;
            }
            outbound.flush();
            close(why, false);
            return false;
        }
        return !closed;
    }

    // ---- output --------------------------------------------------------------------------

    @Override
    public void interest() {
        if (closed || key == null || !key.isValid()) {
            return;
        }
        int ops = 0;
        if (outbound.unsent()) {
            ops |= SelectionKey.OP_WRITE;
        }
        if (discarding || (!eof && !outbound.full())) {
            ops |= SelectionKey.OP_READ;
        }
        if (key.interestOps() != ops) {
            key.interestOps(ops);
        }
    }

    // ---- closing ---------------------------------------------------------------------------

    @Override
    public void close(String why, boolean rst) {
        if (closed) {
            return;
        }
        closed = true;
        if (key != null) {
            key.cancel();
        }
        try {
            if (rst) {
                channel.setOption(StandardSocketOptions.SO_LINGER, 0); // close() then sends RST, not FIN
            }
            channel.close();
        } catch (IOException ignored) {
            // closing anyway
        }
        outbound.closed();
        loop.removed(this);
        server.closed(this);
        long messages = handler.messages();
        log(label + " closed: " + why + " (" + messages + (messages == 1 ? " message)" : " messages)"));
        if (observer != null) {
            long now = System.nanoTime();
            if (rst && why.equals("reset sent") && !resetSent) {
                resetSent = true;
                observe(new ServerEvent.ResetSent(now, number));
            }
            observe(new ServerEvent.ConnectionClosed(now, number, remote, why));
        }
    }

    /** When the bytes being handled arrived (System.nanoTime): what their replies' delays count from. */
    long arrival() {
        return arrival;
    }

    long opened() {
        return opened;
    }

    boolean isClosed() {
        return closed;
    }

    private void observe(ServerEvent e) {
        handler.observe(e);
    }

    private void log(String line) {
        handler.log(line);
    }
}
