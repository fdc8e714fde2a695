package dev.wirelab.part2;

import dev.wirelab.common.Frame;
import dev.wirelab.common.FrameCodec;
import dev.wirelab.common.FrameDecoder;
import dev.wirelab.common.FrameFormatException;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.function.Supplier;

/**
 * One client of the {@link EchoServer}: detects line or frame mode from the first bytes, cuts the
 * input into messages, answers each (HELLO, DATA, a line) with the faults its {@link FaultSource}
 * decides, and hands the replies to its {@link Outbound}. Runs on its {@link EventLoop}'s thread
 * only, so it needs no locks; a misbehaving client only ever ends its own connection.
 *
 * <p>Memory per connection is bounded: the unfinished line or frame (at most max-frame bytes) and
 * what {@link Outbound} holds; past that the connection stops reading, and TCP's flow control
 * pushes back on the client.
 */
final class EchoConnection implements ReplySink, Outbound.Host {

    static final byte[] PACKET_LOSS_LINE = "Packet Loss\n".getBytes(StandardCharsets.US_ASCII);
    static final String PACKET_LOSS = "Packet Loss";
    static final int MAX_PENDING_BYTES = Outbound.MAX_PENDING_BYTES;
    static final int MAX_UNSENT_BYTES = Outbound.MAX_UNSENT_BYTES;
    private static final int DISCARD_LIMIT = 1 << 20;
    /** How long an over-long line's sender may take to read the error, without an idle timeout. */
    private static final long DISCARD_GRACE_NANOS = 10_000_000_000L;
    private static final byte[] HELLO_ACK = FrameCodec.encode(Frame.ack(0, new byte[0]));

    private enum Mode { UNDECIDED, LINES, FRAMES }

    private final EchoServer server;
    private final EventLoop loop;
    private final SocketChannel channel;
    private final long number;
    private final String remote;
    /** The peer's address without its port: what its share of the delivery ledger is counted by. */
    private final String address;
    private final String label;
    private final FaultSource faults;
    private final boolean logging;
    private final ServerObserver observer;
    private final Outbound outbound;
    private SelectionKey key;
    private boolean closed;
    private boolean resetSent;
    private long messages;
    private long arrival;
    private long lastRead;
    private long opened;

    // Input.
    private Mode mode = Mode.UNDECIDED;
    private final byte[] prefix = new byte[3];
    private int prefixLength;
    private byte[] line = new byte[0];
    private int lineLength;
    private FrameDecoder decoder;
    /** The HELLO id, or the label without one (what {@link Delivery#clientId()} reports). */
    private String clientId;
    /** {@link #clientId} as log lines show it: escaped, since a peer chose it. */
    private String shownId;
    private boolean named;
    /**
     * Without HELLO a connection is its own client, with its own window that ends with it: an
     * ip:port is reused by the next client that gets the same ephemeral port, and a HELLO id may
     * spell the same text; sharing numbers with either would acknowledge a stranger's seq=1
     * without delivering it.
     */
    private final DeliveryLedger.Window unnamed = new DeliveryLedger.Window();
    private boolean eof;
    private boolean discarding;
    private int discarded;
    private String discardReason;

    EchoConnection(EchoServer server, EventLoop loop, SocketChannel channel, long number, SplittableRandom random) {
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
        this.address = ip;
        this.label = "#" + number + " " + remote;
        this.faults = new FaultSource(server.faults(), random, server.scriptRunner());
        this.logging = server.logging();
        this.observer = server.observer();
        this.outbound = new Outbound(channel, loop, this);
        this.clientId = label;
        this.shownId = label;
    }

    /** On the loop: starts serving. */
    void register() {
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

    void abortFromServer() {
        close("server stopped", false);
    }

    void internalError(Throwable e) {
        close("internal error: " + e, true);
    }

    void checkIdle(long now) {
        long idle = server.idleTimeout().toNanos();
        if (!closed && idle > 0 && now - lastRead > idle && !discarding) {
            server.rejected.increment();
            close("idle for " + FaultConfig.seconds(server.idleTimeout()) + " s, closing", false);
        }
    }

    void onReady(SelectionKey k) {
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
        ByteBuffer buf = loop.readBuffer();
        buf.clear();
        int n;
        try {
            n = channel.read(buf);
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
        consume(buf.array(), n);
        if (!closed) {
            outbound.release();
        }
    }

    private void consume(byte[] b, int n) {
        int off = 0;
        if (mode == Mode.UNDECIDED) {
            // Frame mode starts with "WL" 0x01; anything else is a line. At most 3 bytes tell.
            int take = Math.min(3 - prefixLength, n);
            System.arraycopy(b, 0, prefix, prefixLength, take);
            prefixLength += take;
            off = take;
            if (prefixLength < 3 && FrameCodec.startsLikeFrame(prefix, prefixLength)) {
                return;
            }
            boolean frames = FrameCodec.startsLikeFrame(prefix, prefixLength);
            mode = frames ? Mode.FRAMES : Mode.LINES;
            log(label + (frames ? " speaks frames (wire format v1)" : " speaks lines"));
            if (frames) {
                decoder = new FrameDecoder(server.maxFrame());
            }
            if (!process(prefix, 0, prefixLength)) {
                return;
            }
        }
        process(b, off, n - off);
    }

    /** False when the connection closed (or stopped listening) on the way. */
    private boolean process(byte[] b, int off, int len) {
        return mode == Mode.LINES ? lines(b, off, len) : frames(b, off, len);
    }

    private void endOfStream() {
        eof = true;
        String why = "client closed";
        if (mode == Mode.LINES && lineLength > 0) {
            server.rejected.increment();
            why = "client closed in the middle of a line, " + lineLength + " unterminated bytes discarded";
        } else if (mode == Mode.FRAMES && decoder.buffered() > 0) {
            server.rejected.increment();
            why = "client closed in the middle of a frame, " + decoder.buffered() + " bytes discarded";
        } else if (mode == Mode.UNDECIDED) {
            why = prefixLength == 0 ? "client closed without sending anything" : "client closed after " + prefixLength + " bytes";
        }
        // The client half-closed but may still read: close once every reply it is owed has left.
        String reason = why;
        outbound.whenDrained(() -> close(reason, false));
        outbound.release();
    }

    // ---- line mode -------------------------------------------------------------------------

    private boolean lines(byte[] buf, int off, int len) {
        int max = server.maxFrame();
        int start = off;
        int end = off + len;
        for (int i = off; i < end; i++) {
            if (buf[i] != '\n') {
                continue;
            }
            if (lineLength == 0) {
                if (i - start > max) {
                    return overlong(i - start);
                }
                line(buf, start, i + 1 - start);
            } else {
                if (lineLength + i - start > max) {
                    return overlong(lineLength + i - start);
                }
                appendLine(buf, start, i + 1 - start);
                line(line, 0, lineLength);
                lineLength = 0;
                if (line.length > 4096) {
                    line = new byte[0];
                }
            }
            if (closed) {
                return false;
            }
            start = i + 1;
        }
        if (start < end) {
            if (lineLength + end - start > max) {
                return overlong(lineLength + end - start);
            }
            appendLine(buf, start, end - start);
        }
        return true;
    }

    private void appendLine(byte[] b, int off, int len) {
        if (lineLength + len > line.length) {
            line = Arrays.copyOf(line, Math.max(lineLength + len, Math.max(64, Math.min(line.length * 2, server.maxFrame() + 1))));
        }
        System.arraycopy(b, off, line, lineLength, len);
        lineLength += len;
    }

    private boolean overlong(int length) {
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
        lineLength = 0;
        line = new byte[0];
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

    /** One message: {@code len} bytes ending with its newline. */
    private void line(byte[] b, int off, int len) {
        messages++;
        server.messages.increment();
        server.lines.increment();
        if (logging) {
            log(label + " received " + Log.shown(b, off, len));
        }
        long n = messages;
        if (observer != null) {
            observe(new ServerEvent.LineArrived(arrival, number, n, Arrays.copyOfRange(b, off, off + len)));
        }
        if (faults.none() && outbound.direct()) {
            if (observer == null) {
                outbound.append(b, off, len, null); // the fast path of a clean echo: no allocation
            } else {
                outbound.append(b, off, len, sent(ServerEvent.ReplyType.LINE, 0, len, 1, false));
            }
            return;
        }
        int terminator = len >= 2 && b[off + len - 2] == '\r' ? 2 : 1;
        FaultSource.Decision d = faults.none() ? FaultSource.Decision.CLEAN
                : faults.decide(request(FaultScript.RequestType.LINE, 0, 0), len - terminator, len);
        if (d.clean()) {
            send(b, off, len, 1, arrival, false, sent(ServerEvent.ReplyType.LINE, 0, len, 1, false));
            return;
        }
        apply(d, Arrays.copyOfRange(b, off, off + len), PACKET_LOSS_LINE, 0, () -> "line " + n, ServerEvent.ReplyType.LINE);
    }

    // ---- frame mode ------------------------------------------------------------------------

    private boolean frames(byte[] b, int off, int len) {
        try {
            // Frames that complete before a bad one in the same read are still answered: the
            // client then only retransmits what really was not acknowledged.
            decoder.feed(b, off, len, f -> {
                if (!closed) {
                    frame(f);
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

    private void frame(Frame f) {
        switch (f.type()) {
            case HELLO -> hello(f);
            case DATA -> data(f);
            case ACK, ERROR -> log(label + " unexpected " + f.type() + " seq=" + f.seq() + " from a client, ignored");
        }
    }

    private void hello(Frame f) {
        String id = f.payloadText();
        String shown = id.isEmpty() ? label : Log.shown(f.payload());
        long helloNumber = faults.scripted() ? faults.script().nextHello() : 0;
        if (named && !id.equals(clientId)) {
            // One id per connection: a connection cycling through ids could otherwise fill the
            // delivery ledger from a single socket and push other clients out.
            log(label + " second HELLO (" + shown + ") after " + shownId + ", refused with ERROR 0");
            observe(new ServerEvent.Hello(arrival, number, id, false));
            reply(Frame.error(0, "one HELLO per connection"), 0, () -> "HELLO", ServerEvent.ReplyType.ERROR,
                    request(FaultScript.RequestType.HELLO, 0, 0, helloNumber));
            return;
        }
        FaultSource.Decision d = faults.decide(request(FaultScript.RequestType.HELLO, 0, 0, helloNumber),
                HELLO_ACK.length, HELLO_ACK.length);
        if (!d.delivered()) {
            // ERROR 0 tells the client its HELLO was not delivered: then it must not count
            // either, or the connection would run under an id the client thinks failed.
            log(label + " lost HELLO from " + shown + ", id not taken");
            observe(new ServerEvent.Hello(arrival, number, id, false));
        } else if (!id.isEmpty()) {
            clientId = id;
            shownId = shown;
            named = true;
            log(label + " hello from " + shownId);
            observe(new ServerEvent.Hello(arrival, number, id, true));
        } else {
            log(label + " hello without an id, the connection stays its own client");
            observe(new ServerEvent.Hello(arrival, number, id, true));
        }
        replyFrame(d, HELLO_ACK, 0, () -> "HELLO");
    }

    private void data(Frame f) {
        messages++;
        server.messages.increment();
        long seq = f.seq();
        if (seq == 0) {
            log(label + " DATA with seq 0 from " + shownId + " (seq starts at 1), answered with ERROR");
            reply(Frame.error(0, "DATA seq must be at least 1"), 0, () -> "DATA seq=0", ServerEvent.ReplyType.ERROR,
                    request(FaultScript.RequestType.DATA, 0, 0));
            return;
        }
        int arrivalCount = 0;
        if (observer != null || faults.scripted()) {
            arrivalCount = named ? server.ledger().arrive(address, clientId, seq) : unnamed.arrive(seq);
            observe(new ServerEvent.DataArrived(arrival, number, clientId, seq, arrivalCount, f.payload()));
        }
        byte[] ack = FrameCodec.encode(Frame.ack(seq, f.payload()));
        FaultSource.Decision d = faults.none() ? FaultSource.Decision.CLEAN
                : faults.decide(request(FaultScript.RequestType.DATA, seq, arrivalCount), ack.length, ack.length);
        if (!d.delivered()) {
            // The wire format's ERROR n means "n was not delivered" (and a dropped reply stands
            // for a lost request): a lost message never reaches the handler.
            log(label + " lost seq=" + seq + " from " + shownId + ", not delivered");
        } else if (named ? server.ledger().markDelivered(address, clientId, seq) : DeliveryLedger.markLocal(unnamed, seq)) {
            server.delivered.increment();
            log(label + " delivered seq=" + seq + " from " + shownId);
            observe(new ServerEvent.Delivered(arrival, number, clientId, seq));
            server.deliver(new Delivery(clientId, seq, f.payload()));
        } else {
            server.duplicatesSuppressed.increment();
            log(label + " duplicate seq=" + seq + " from " + shownId + ", acknowledged again");
            observe(new ServerEvent.DuplicateSuppressed(arrival, number, clientId, seq));
        }
        replyFrame(d, ack, seq, () -> "seq=" + seq);
    }

    private FaultScript.Request request(FaultScript.RequestType type, long seq, int arrivalCount) {
        return request(type, seq, arrivalCount, 0);
    }

    /** The request as a script matches it; null without a script (nothing to match). */
    private FaultScript.Request request(FaultScript.RequestType type, long seq, int arrivalCount, long hello) {
        if (!faults.scripted()) {
            return null;
        }
        return new FaultScript.Request(type, seq, arrivalCount, hello, faults.script().nextRequest(), arrival - opened);
    }

    /** A reply of the server's own (an ERROR for a bad request), with the faults a reply can get. */
    private void reply(Frame reply, long seq, Supplier<String> what, ServerEvent.ReplyType type, FaultScript.Request request) {
        byte[] bytes = FrameCodec.encode(reply);
        FaultSource.Decision d = faults.none() ? FaultSource.Decision.CLEAN : faults.decide(request, bytes.length, bytes.length);
        if (d.clean()) {
            send(bytes, 0, bytes.length, 1, arrival, false, sent(type, seq, bytes.length, 1, false));
            return;
        }
        apply(d, bytes, FrameCodec.encode(Frame.error(seq, PACKET_LOSS)), seq, what, type);
    }

    private void replyFrame(FaultSource.Decision d, byte[] bytes, long seq, Supplier<String> what) {
        if (d.clean()) {
            send(bytes, 0, bytes.length, 1, arrival, false, sent(ServerEvent.ReplyType.ACK, seq, bytes.length, 1, false));
            return;
        }
        apply(d, bytes, FrameCodec.encode(Frame.error(seq, PACKET_LOSS)), seq, what, ServerEvent.ReplyType.ACK);
    }

    private void apply(FaultSource.Decision d, byte[] reply, byte[] lossReplacement, long seq, Supplier<String> what,
                       ServerEvent.ReplyType type) {
        FaultSource.Listener listener = observer == null ? FaultSource.Listener.NONE : new FaultSource.Listener() {
            @Override
            public void applied(FaultSource.Applied a) {
                observe(new ServerEvent.FaultApplied(System.nanoTime(), number, a.fault(), what.get(), seq, a.rule()));
            }

            @Override
            public Runnable sending(byte[] bytes, int copies, boolean corrupted, boolean replacement) {
                ServerEvent.ReplyType t = !replacement ? type
                        : type == ServerEvent.ReplyType.LINE ? ServerEvent.ReplyType.PACKET_LOSS_LINE : ServerEvent.ReplyType.ERROR;
                return sent(t, seq, bytes.length, copies, corrupted);
            }
        };
        try {
            faults.apply(d, reply, lossReplacement, () -> label + " reply to " + what.get(), arrival, this,
                    server.faultCounters(), logging ? this::log : null, listener);
        } catch (IOException e) {
            close("connection error: " + e.getMessage(), false);
        }
    }

    /** What tells the observer a reply left; null without an observer. */
    private Runnable sent(ServerEvent.ReplyType type, long seq, int bytes, int copies, boolean corrupted) {
        if (observer == null) {
            return null;
        }
        return () -> observe(new ServerEvent.ReplySent(System.nanoTime(), number, type, seq, bytes, copies, corrupted));
    }

    // ---- output: the reply sink the faults are applied to -----------------------------------

    @Override
    public void send(byte[] b, int off, int len, int copies, long due, boolean holdForNext, Runnable afterWrite) {
        if (!holdForNext && due - arrival <= 0 && outbound.direct()) {
            for (int i = 0; i < copies; i++) {
                outbound.append(b, off, len, i == copies - 1 ? afterWrite : null);
            }
            return;
        }
        outbound.send(b, off, len, copies, due, holdForNext, afterWrite);
    }

    @Override
    public void reset(long due) {
        if (due - arrival <= 0 && outbound.direct()) {
            // Now, not after the rest of this read: what follows the reset never arrived.
            outbound.flush();
            close("reset sent", true);
            return;
        }
        outbound.reset(due);
    }

    @Override
    public void stall(long until) {
        outbound.stall(until);
    }

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
        log(label + " closed: " + why + " (" + messages + " messages)");
        if (observer != null) {
            long now = System.nanoTime();
            if (rst && why.equals("reset sent") && !resetSent) {
                resetSent = true;
                observe(new ServerEvent.ResetSent(now, number));
            }
            observe(new ServerEvent.ConnectionClosed(now, number, remote, why));
        }
    }

    private void observe(ServerEvent e) {
        if (observer != null) {
            server.observe(e);
        }
    }

    private void log(String line) {
        if (logging) {
            server.log(line);
        }
    }
}
