package dev.wirelab.part2;

import dev.wirelab.common.Bytes;
import dev.wirelab.common.Frame;
import dev.wirelab.common.FrameCodec;
import dev.wirelab.common.FrameDecoder;
import dev.wirelab.common.FrameFormatException;
import dev.wirelab.common.FrameType;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One client of the {@link EchoServer}: detects line or frame mode from the first bytes, echoes,
 * and applies the faults. Runs on its own virtual thread; a misbehaving client only ever ends its
 * own connection.
 */
final class EchoConnection implements Runnable {

    static final byte[] PACKET_LOSS_LINE = "Packet Loss\n".getBytes(StandardCharsets.US_ASCII);
    static final String PACKET_LOSS = "Packet Loss";
    private static final int READ_BUFFER = 8192;

    private final EchoServer server;
    private final Socket socket;
    private final String remote;
    private final String label;
    private final FaultInjector faults;
    private final boolean logging;
    private final AtomicBoolean closed = new AtomicBoolean();
    private ReplyChannel channel;
    private long messages;
    private long arrival;

    // Line mode: the unfinished line, at most maxFrame + 2 bytes.
    private byte[] line = new byte[0];
    private int lineLength;

    // Frame mode.
    private String clientId;

    EchoConnection(EchoServer server, Socket socket, long number, SplittableRandom random) {
        this.server = server;
        this.socket = socket;
        this.remote = socket.getInetAddress().getHostAddress() + ":" + socket.getPort();
        this.label = "#" + number + " " + remote;
        this.faults = new FaultInjector(server.faults(), random);
        this.logging = server.logging();
        this.clientId = remote;
    }

    @Override
    public void run() {
        try {
            log(label + " connected");
            socket.setTcpNoDelay(true);
            long idle = server.idleTimeout().toMillis();
            socket.setSoTimeout((int) Math.min(Integer.MAX_VALUE, idle));
            channel = new ReplyChannel(socket.getOutputStream(), server.faults().delays(), "echo-writer " + label,
                    e -> close("write failed: " + e.getMessage(), false), this::resetNow);
            serve(socket.getInputStream());
        } catch (SocketTimeoutException e) {
            server.rejected.increment();
            close("idle for " + FaultConfig.seconds(server.idleTimeout()) + " s, closing", false);
        } catch (IOException e) {
            if (!closed.get()) {
                close("connection error: " + e.getMessage(), false);
            }
        } catch (RuntimeException e) {
            // A bug must not take the server down; it ends this one connection, loudly.
            close("internal error: " + e, true);
        }
    }

    void abortFromServer() {
        close("server stopped", false);
    }

    private void serve(InputStream in) throws IOException {
        byte[] buf = new byte[READ_BUFFER];
        int n = 0;
        // Frame mode starts with "WL" 0x01; anything else is a line. Needs at most 3 bytes to tell.
        while (n < 3 && FrameCodec.startsLikeFrame(buf, n)) {
            int r = in.read(buf, n, buf.length - n);
            if (r < 0) {
                close(n == 0 ? "client closed without sending anything" : "client closed after " + n + " bytes", false);
                return;
            }
            n += r;
        }
        arrival = System.nanoTime();
        boolean frames = FrameCodec.startsLikeFrame(buf, n);
        log(label + (frames ? " speaks frames (wire format v1)" : " speaks lines"));
        if (frames) {
            serveFrames(in, buf, n);
        } else {
            serveLines(in, buf, n);
        }
    }

    // ---- line mode -------------------------------------------------------------------------

    private void serveLines(InputStream in, byte[] buf, int n) throws IOException {
        int max = server.maxFrame();
        while (true) {
            if (!lines(buf, n, max)) {
                return;
            }
            channel.flush();
            n = in.read(buf);
            if (n < 0) {
                if (lineLength > 0) {
                    server.rejected.increment();
                    finish("client closed in the middle of a line, " + lineLength + " unterminated bytes discarded");
                } else {
                    finish("client closed");
                }
                return;
            }
            arrival = System.nanoTime();
        }
    }

    /** Handles every complete line in {@code buf[0..n)}; false when the connection was closed. */
    private boolean lines(byte[] buf, int n, int max) throws IOException {
        int start = 0;
        for (int i = 0; i < n; i++) {
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
            start = i + 1;
        }
        if (start < n) {
            if (lineLength + n - start > max) {
                return overlong(lineLength + n - start);
            }
            appendLine(buf, start, n - start);
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

    private boolean overlong(int length) throws IOException {
        server.rejected.increment();
        channel.flush();
        String why = "line longer than " + server.maxFrame() + " bytes (" + length + "+ without a newline), closing";
        try {
            socket.getOutputStream().write(("error: " + why + "\n").getBytes(StandardCharsets.US_ASCII));
            // Closing with unread input would send an RST that can destroy the error line before
            // the client reads it: send FIN after it, and discard (a bounded amount of) what the
            // client is still sending.
            socket.shutdownOutput();
            socket.setSoTimeout(1000);
            InputStream in = socket.getInputStream();
            byte[] sink = new byte[8192];
            for (int total = 0, n; total < (1 << 20) && (n = in.read(sink)) >= 0; total += n) {
                // discard
            }
        } catch (IOException ignored) {
            // the client is gone or keeps sending; the close below says why we closed
        }
        close(why, false);
        return false;
    }

    /** One message: {@code len} bytes ending with its newline. */
    private void line(byte[] b, int off, int len) throws IOException {
        messages++;
        server.messages.increment();
        if (logging) {
            log(label + " received " + Bytes.escape(b, off, len));
        }
        int terminator = len >= 2 && b[off + len - 2] == '\r' ? 2 : 1;
        FaultInjector.Decision d = faults.decide(len - terminator);
        if (d == FaultInjector.Decision.CLEAN) {
            channel.send(b, off, len, 1, arrival);
            return;
        }
        reply(d, Arrays.copyOfRange(b, off, off + len), PACKET_LOSS_LINE, "line " + messages);
    }

    // ---- frame mode ------------------------------------------------------------------------

    private void serveFrames(InputStream in, byte[] buf, int n) throws IOException {
        FrameDecoder decoder = new FrameDecoder(server.maxFrame());
        while (true) {
            try {
                for (Frame f : decoder.feed(buf, 0, n)) {
                    frame(f);
                    if (closed.get()) {
                        return;
                    }
                }
            } catch (FrameFormatException e) {
                // The decoder reports the error for the whole read: valid frames that came in the
                // same read before the bad one are neither delivered nor acknowledged, so to the
                // client they are simply lost, and it retransmits them on its next connection.
                server.rejected.increment();
                channel.flush();
                close("invalid frame (" + e.reason() + ": " + e.getMessage() + "), closing", false);
                return;
            }
            channel.flush();
            n = in.read(buf);
            if (n < 0) {
                if (decoder.buffered() > 0) {
                    server.rejected.increment();
                    finish("client closed in the middle of a frame, " + decoder.buffered() + " bytes discarded");
                } else {
                    finish("client closed");
                }
                return;
            }
            arrival = System.nanoTime();
        }
    }

    private void frame(Frame f) throws IOException {
        switch (f.type()) {
            case HELLO -> {
                String id = f.payloadText();
                clientId = id.isEmpty() ? remote : id;
                log(label + " hello from " + clientId);
                replyFrame(Frame.ack(0, new byte[0]), 0, "HELLO");
            }
            case DATA -> {
                messages++;
                server.messages.increment();
                long seq = f.seq();
                if (seq == 0) {
                    log(label + " DATA with seq 0 from " + clientId + " (seq starts at 1), answered with ERROR");
                    replyFrame(Frame.error(0, "DATA seq must be at least 1"), 0, "DATA seq=0");
                    return;
                }
                if (server.ledger().markDelivered(clientId, seq)) {
                    server.delivered.increment();
                    log(label + " delivered seq=" + seq + " from " + clientId);
                    server.deliver(new Delivery(clientId, seq, f.payload()));
                } else {
                    server.duplicatesSuppressed.increment();
                    log(label + " duplicate seq=" + seq + " from " + clientId + ", acknowledged again");
                }
                replyFrame(Frame.ack(seq, f.payload()), seq, "seq=" + seq);
            }
            case ACK, ERROR -> log(label + " unexpected " + f.type() + " seq=" + f.seq() + " from a client, ignored");
        }
    }

    private void replyFrame(Frame reply, long seq, String what) throws IOException {
        byte[] bytes = FrameCodec.encode(reply);
        FaultInjector.Decision d = faults.decide(bytes.length);
        if (d == FaultInjector.Decision.CLEAN) {
            channel.send(bytes, 1, arrival);
            return;
        }
        reply(d, bytes, FrameCodec.encode(Frame.error(seq, PACKET_LOSS)), what);
    }

    // ---- faults ----------------------------------------------------------------------------

    private void reply(FaultInjector.Decision d, byte[] reply, byte[] lossReplacement, String what) throws IOException {
        faults.apply(d, reply, lossReplacement, label + " reply to " + what, arrival, channel, server.faultCounters(), this::log);
    }

    // ---- closing ---------------------------------------------------------------------------

    /** Closes once every reply still queued has left (the client half-closed; it may still read). */
    private void finish(String why) throws IOException {
        channel.finish(() -> close(why, false));
    }

    private void resetNow() {
        close("reset sent", true);
    }

    private void close(String why, boolean rst) {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        try {
            if (rst) {
                socket.setSoLinger(true, 0); // close() then sends RST instead of FIN
            }
            socket.close();
        } catch (IOException ignored) {
            // closing anyway
        }
        if (channel != null) {
            channel.stop();
        }
        server.closed(this);
        log(label + " closed: " + why + " (" + messages + " messages)");
    }

    private void log(String line) {
        if (logging) {
            server.log(line);
        }
    }
}
