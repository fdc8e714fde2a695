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
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Supplier;

/**
 * One client of the {@link EchoServer}: detects line or frame mode from the first bytes, echoes,
 * and applies the faults. Runs on its {@link EventLoop}'s thread only, so it needs no locks; a
 * misbehaving client only ever ends its own connection.
 *
 * <p>Replies without delay are appended to an output buffer and written once per read, the fast
 * path of a plain echo server. With delay, each reply waits in a queue with the moment it is due
 * (its request's arrival plus the delay) and a timer of the loop sends it then: pipelined requests
 * are answered DELAY after each arrived, not one DELAY after another, and replies keep their
 * order. Memory per connection is bounded: the unfinished line or frame (at most max-frame bytes),
 * at most {@link #MAX_PENDING_BYTES} of delayed replies and {@link #MAX_UNSENT_BYTES} of unsent
 * output; past those the connection stops reading, and TCP's flow control pushes back on the client.
 */
final class EchoConnection implements ReplySink {

    static final byte[] PACKET_LOSS_LINE = "Packet Loss\n".getBytes(StandardCharsets.US_ASCII);
    static final String PACKET_LOSS = "Packet Loss";
    static final int MAX_PENDING_BYTES = 1 << 20;
    static final int MAX_UNSENT_BYTES = 256 * 1024;
    private static final int DISCARD_LIMIT = 1 << 20;
    /** How long an over-long line's sender may take to read the error, without an idle timeout. */
    private static final long DISCARD_GRACE_NANOS = 10_000_000_000L;

    private enum Mode { UNDECIDED, LINES, FRAMES }

    private sealed interface Item permits Send, Reset {
        long due();
    }

    private record Send(long due, byte[] bytes, int copies, Runnable afterWrite) implements Item {
    }

    private record Reset(long due) implements Item {
    }

    private final EchoServer server;
    private final EventLoop loop;
    private final SocketChannel channel;
    private final String remote;
    /** The peer's address without its port: what its share of the delivery ledger is counted by. */
    private final String address;
    private final String label;
    private final FaultInjector faults;
    private final boolean logging;
    private final boolean delayed;
    private SelectionKey key;
    private boolean closed;
    private long messages;
    private long arrival;
    private long lastRead;

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

    // Output.
    private byte[] out = new byte[0];
    private int outStart;
    private int outEnd;
    private final ArrayDeque<Item> pending = new ArrayDeque<>();
    private long pendingBytes;
    private boolean timerSet;
    private Runnable whenDrained;

    EchoConnection(EchoServer server, EventLoop loop, SocketChannel channel, long number, SplittableRandom random) {
        this.server = server;
        this.loop = loop;
        this.channel = channel;
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
        this.faults = new FaultInjector(server.faults(), random);
        this.logging = server.logging();
        this.delayed = server.faults().delays();
        this.clientId = label;
        this.shownId = label;
    }

    /** On the loop: starts serving. */
    void register() {
        log(label + " connected");
        try {
            channel.configureBlocking(false);
            channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
            key = channel.register(loop.selector(), SelectionKey.OP_READ, this);
        } catch (IOException e) {
            close("could not be registered: " + e.getMessage(), false);
            return;
        }
        loop.added(this);
        lastRead = System.nanoTime();
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
            flush();
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
                if (whenDrained == null && outStart == outEnd && pending.isEmpty()) {
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
            release();
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
        whenDrained = () -> close(reason, false);
        release();
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
        long lastDue = lastDue(now);
        if (pending.isEmpty()) {
            append(msg, 0, msg.length);
        } else {
            // Earlier lines' delayed echoes are owed first: the error queues behind them.
            send(msg, 0, msg.length, 1, now, null);
        }
        // Closing with unread input would send an RST that can destroy the error line before the
        // client reads it: send FIN after it, and discard (a bounded amount of) what still comes.
        discarding = true;
        discardReason = why;
        lineLength = 0;
        line = new byte[0];
        whenDrained = () -> {
            try {
                channel.shutdownOutput();
            } catch (IOException ignored) {
                // the close below ends it anyway
            }
            loop.schedule(System.nanoTime() + 1_000_000_000L, () -> close(why, false));
        };
        // The close above waits for the output to drain, which a client that does not read never
        // lets happen, and the idle sweep skips a discarding connection: bound it from here too.
        long idle = server.idleTimeout().toNanos();
        loop.schedule(lastDue + (idle > 0 ? idle : DISCARD_GRACE_NANOS), () -> close(why, false));
        release();
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
        int terminator = len >= 2 && b[off + len - 2] == '\r' ? 2 : 1;
        FaultInjector.Decision d = faults.decide(len - terminator);
        if (d == FaultInjector.Decision.CLEAN) {
            send(b, off, len, 1, arrival, null);
            return;
        }
        long n = messages;
        reply(d, Arrays.copyOfRange(b, off, off + len), PACKET_LOSS_LINE, () -> "line " + n);
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
            if (!pending.isEmpty()) {
                // With delay the good frames' ACKs are still queued: closing now would discard
                // them, and the client would retransmit what was delivered. Read no more, and
                // close once they left (bounded, should the client never read them).
                eof = true;
                whenDrained = () -> close(why, false);
                loop.schedule(lastDue(System.nanoTime()) + 1_000_000_000L, () -> close(why, false));
                return false;
            }
            flush();
            close(why, false);
            return false;
        }
        return !closed;
    }

    private void frame(Frame f) {
        switch (f.type()) {
            case HELLO -> {
                byte[] idBytes = f.payload();
                String id = f.payloadText();
                String shown = id.isEmpty() ? label : Log.shown(idBytes);
                if (named && !id.equals(clientId)) {
                    // One id per connection: a connection cycling through ids could otherwise
                    // fill the delivery ledger from a single socket and push other clients out.
                    log(label + " second HELLO (" + shown + ") after " + shownId + ", refused with ERROR 0");
                    replyFrame(Frame.error(0, "one HELLO per connection"), 0, () -> "HELLO");
                    return;
                }
                byte[] ack = FrameCodec.encode(Frame.ack(0, new byte[0]));
                FaultInjector.Decision d = faults.decide(ack.length);
                if (d.lost()) {
                    // ERROR 0 tells the client its HELLO was not delivered: then it must not
                    // count either, or the connection would run under an id the client thinks failed.
                    log(label + " lost HELLO from " + shown + ", id not taken");
                } else if (!id.isEmpty()) {
                    clientId = id;
                    shownId = shown;
                    named = true;
                    log(label + " hello from " + shownId);
                } else {
                    log(label + " hello without an id, the connection stays its own client");
                }
                replyFrame(d, ack, 0, () -> "HELLO");
            }
            case DATA -> {
                messages++;
                server.messages.increment();
                long seq = f.seq();
                if (seq == 0) {
                    log(label + " DATA with seq 0 from " + shownId + " (seq starts at 1), answered with ERROR");
                    replyFrame(Frame.error(0, "DATA seq must be at least 1"), 0, () -> "DATA seq=0");
                    return;
                }
                byte[] ack = FrameCodec.encode(Frame.ack(seq, f.payload()));
                FaultInjector.Decision d = faults.decide(ack.length);
                if (d.lost()) {
                    // The wire format's ERROR n means "n was not delivered" (and a dropped reply
                    // stands for a lost request): a lost message never reaches the handler.
                    log(label + " lost seq=" + seq + " from " + shownId + ", not delivered");
                } else if (named ? server.ledger().markDelivered(address, clientId, seq) : DeliveryLedger.markLocal(unnamed, seq)) {
                    server.delivered.increment();
                    log(label + " delivered seq=" + seq + " from " + shownId);
                    server.deliver(new Delivery(clientId, seq, f.payload()));
                } else {
                    server.duplicatesSuppressed.increment();
                    log(label + " duplicate seq=" + seq + " from " + shownId + ", acknowledged again");
                }
                replyFrame(d, ack, seq, () -> "seq=" + seq);
            }
            case ACK, ERROR -> log(label + " unexpected " + f.type() + " seq=" + f.seq() + " from a client, ignored");
        }
    }

    private void replyFrame(Frame reply, long seq, Supplier<String> what) {
        byte[] bytes = FrameCodec.encode(reply);
        replyFrame(faults.decide(bytes.length), bytes, seq, what);
    }

    private void replyFrame(FaultInjector.Decision d, byte[] bytes, long seq, Supplier<String> what) {
        if (d == FaultInjector.Decision.CLEAN) {
            send(bytes, 0, bytes.length, 1, arrival, null);
            return;
        }
        reply(d, bytes, FrameCodec.encode(Frame.error(seq, PACKET_LOSS)), what);
    }

    private void reply(FaultInjector.Decision d, byte[] reply, byte[] lossReplacement, Supplier<String> what) {
        try {
            faults.apply(d, reply, lossReplacement, () -> label + " reply to " + what.get(), arrival, this,
                    server.faultCounters(), logging ? this::log : null);
        } catch (IOException e) {
            close("connection error: " + e.getMessage(), false);
        }
    }

    // ---- output ----------------------------------------------------------------------------

    @Override
    public void send(byte[] b, int off, int len, int copies, long due, Runnable afterWrite) {
        if (!delayed) {
            for (int i = 0; i < copies; i++) {
                append(b, off, len);
            }
            return;
        }
        pending.add(new Send(due, Arrays.copyOfRange(b, off, off + len), copies, afterWrite));
        pendingBytes += ReplySink.heapBytes(len, copies);
    }

    @Override
    public void reset(long due) {
        if (!delayed) {
            flush();
            close("reset sent", true);
            return;
        }
        pending.add(new Reset(due));
    }

    /**
     * When the last queued reply leaves, or {@code now} if none is queued. With jitter the queue
     * is not sorted by due time (replies keep their order, so one waits for the one before it):
     * the latest due time is the one that counts.
     */
    private long lastDue(long now) {
        long last = now;
        for (Item i : pending) {
            if (i.due() - last > 0) {
                last = i.due();
            }
        }
        return last;
    }

    /** Moves the replies that are due into the output, writes, and arms a timer for the next one. */
    private void release() {
        long now = System.nanoTime();
        List<Runnable> sent = null;
        for (Item head; (head = pending.peek()) != null && head.due() - now <= 0; ) {
            pending.poll();
            switch (head) {
                case Send s -> {
                    for (int i = 0; i < s.copies(); i++) {
                        append(s.bytes(), 0, s.bytes().length);
                    }
                    pendingBytes -= ReplySink.heapBytes(s.bytes().length, s.copies());
                    if (s.afterWrite() != null) {
                        (sent == null ? sent = new ArrayList<>() : sent).add(s.afterWrite());
                    }
                }
                case Reset r -> {
                    flush();
                    close("reset sent", true);
                    return;
                }
            }
        }
        write();
        if (sent != null) {
            sent.forEach(Runnable::run);
        }
        whenDrained();
        Item head = pending.peek();
        if (head != null && !timerSet && !closed) {
            timerSet = true;
            loop.schedule(head.due(), () -> {
                timerSet = false;
                if (!closed) {
                    release();
                }
            });
        }
    }

    private void append(byte[] b, int off, int len) {
        if (outEnd + len > out.length) {
            if (outStart > 0) {
                System.arraycopy(out, outStart, out, 0, outEnd - outStart);
                outEnd -= outStart;
                outStart = 0;
            }
            if (outEnd + len > out.length) {
                out = Arrays.copyOf(out, Math.max(outEnd + len, Math.max(256, out.length * 2)));
            }
        }
        System.arraycopy(b, off, out, outEnd, len);
        outEnd += len;
    }

    /** Writes what the socket takes now (the rest waits for OP_WRITE), then closes if that was owed. */
    private void flush() {
        write();
        whenDrained();
    }

    private void write() {
        if (closed) {
            return;
        }
        if (outEnd > outStart) {
            try {
                outStart += channel.write(ByteBuffer.wrap(out, outStart, outEnd - outStart));
            } catch (IOException e) {
                close("write failed: " + e.getMessage(), false);
                return;
            }
        }
        if (outStart == outEnd) {
            outStart = outEnd = 0;
            if (out.length > 64 * 1024) {
                out = new byte[0]; // a burst passed; don't keep its buffer for the connection's life
            }
        }
        interest();
    }

    private void whenDrained() {
        if (!closed && outStart == outEnd && pending.isEmpty() && whenDrained != null) {
            Runnable r = whenDrained;
            whenDrained = null;
            r.run();
        }
    }

    private void interest() {
        if (closed || key == null || !key.isValid()) {
            return;
        }
        int ops = 0;
        int unsent = outEnd - outStart;
        if (unsent > 0) {
            ops |= SelectionKey.OP_WRITE;
        }
        if (discarding || (!eof && unsent < MAX_UNSENT_BYTES && pendingBytes < MAX_PENDING_BYTES)) {
            ops |= SelectionKey.OP_READ;
        }
        if (key.interestOps() != ops) {
            key.interestOps(ops);
        }
    }

    // ---- closing ---------------------------------------------------------------------------

    private void close(String why, boolean rst) {
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
        pending.clear();
        loop.removed(this);
        server.closed(this);
        log(label + " closed: " + why + " (" + messages + " messages)");
    }

    private void log(String line) {
        if (logging) {
            server.log(line);
        }
    }
}
