package dev.wirelab.grader.part2;

import dev.wirelab.common.Bytes;
import dev.wirelab.grader.Durations;
import dev.wirelab.grader.Ladder;
import dev.wirelab.part3.TraceEvent;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;

/**
 * The grader's side of a line-mode echo exchange: sends lines and reads the replies, recording
 * both in the scenario's ladder. The report's server answers with {@code send(data)} per
 * {@code recv}, and its loss reply is {@code Packet Loss} without a newline, so a reply is a line
 * up to its newline, or exactly {@code Packet Loss}, or whatever arrived before the server fell
 * silent for {@link #QUIET}.
 */
final class LineClient implements AutoCloseable {

    static final byte[] PACKET_LOSS = "Packet Loss".getBytes(StandardCharsets.US_ASCII);
    /** Silence after a partial reply that ends it (a reply without its newline). */
    static final Duration QUIET = Duration.ofMillis(150);
    private static final int MAX_BUFFER = 4 << 20;
    private static final int PREVIEW = 40;

    /** How a reply ended. */
    enum Kind { LINE, UNTERMINATED, NONE, CLOSED }

    /** One reply; {@code at} is System.nanoTime when its last byte arrived. */
    record Reply(Kind kind, byte[] bytes, long at) {
        boolean isPacketLoss() {
            byte[] b = bytes;
            int n = b.length;
            if (n > 0 && b[n - 1] == '\n') {
                n--;
            }
            if (n > 0 && b[n - 1] == '\r') {
                n--;
            }
            return kind != Kind.NONE && Arrays.equals(b, 0, n, PACKET_LOSS, 0, PACKET_LOSS.length);
        }
    }

    private final String name;
    private final Ladder ladder;
    private final InetSocketAddress address;
    private final Duration connectWithin;
    private Socket socket;
    private InputStream in;
    private OutputStream out;
    /** Bytes the server sent on this connection: none yet means it may never have read from it. */
    private long received;
    /** What was sent while nothing was received, to send again on a new connection. */
    private final java.io.ByteArrayOutputStream unanswered = new java.io.ByteArrayOutputStream();
    private boolean reconnected;
    private byte[] buf = new byte[64 * 1024];
    private int length;
    private long lastByteAt;
    private boolean swallowNewline;
    private int sent;
    private int replies;

    private LineClient(String name, Ladder ladder, InetSocketAddress address, Duration connectWithin, Socket socket)
            throws IOException {
        this.name = name;
        this.ladder = ladder;
        this.address = address;
        this.connectWithin = connectWithin;
        use(socket);
    }

    private void use(Socket s) throws IOException {
        this.socket = s;
        this.in = s.getInputStream();
        this.out = s.getOutputStream();
    }

    /**
     * Connects, trying again while the port refuses for up to {@code within}: a server that
     * serves one client at a time (the report's) closes its socket and listens anew between clients.
     */
    static LineClient connect(InetSocketAddress address, String name, Ladder ladder, Duration within) throws IOException {
        return new LineClient(name, ladder, address, within, open(address, name, ladder, within, "connect"));
    }

    private static Socket open(InetSocketAddress address, String name, Ladder ladder, Duration within, String event)
            throws IOException {
        long deadline = System.nanoTime() + within.toNanos();
        while (true) {
            Socket s = new Socket();
            try {
                s.setTcpNoDelay(true);
                s.connect(address, (int) Math.max(1, within.toMillis()));
                ladder.add(TraceEvent.Arrow.NOTE, event, name + " connected to " + address.getAddress().getHostAddress() + ":" + address.getPort());
                return s;
            } catch (SocketException e) {
                // Refused, or reset: a server that listens anew between clients drops the queue.
                s.close();
                if (System.nanoTime() > deadline) {
                    ladder.add(TraceEvent.Arrow.PROBLEM, "no connect", name + ": " + e.getMessage());
                    throw e;
                }
                sleep(20);
            } catch (IOException e) {
                s.close();
                throw e;
            }
        }
    }

    String name() {
        return name;
    }

    /** Bytes the server has sent on this connection so far. */
    long received() {
        return received;
    }

    /** Sends bytes (a line with its newline, or several); returns when they left, System.nanoTime. */
    long send(byte[] bytes) throws IOException {
        write(bytes);
        long at = System.nanoTime();
        sent++;
        ladder.add(at, TraceEvent.Arrow.TO_SERVER, "line " + sent, name + " sends " + preview(bytes));
        return at;
    }

    /** Sends bytes without a ladder line per line (a megabyte of them). */
    void sendQuietly(byte[] bytes) throws IOException {
        write(bytes);
    }

    private void write(byte[] bytes) throws IOException {
        if (received == 0 && unanswered.size() < MAX_BUFFER) {
            unanswered.write(bytes, 0, Math.min(bytes.length, MAX_BUFFER - unanswered.size()));
        }
        try {
            out.write(bytes);
            out.flush();
        } catch (IOException e) {
            if (!reopenAfterEarlyReset()) {
                throw e;
            }
        }
    }

    /**
     * A server that listens anew between clients (the report's) resets the connections that
     * waited in its old socket's queue; such a connection is opened once more and what was sent
     * on it is sent again, so the check is about the server's answers, not about that race.
     */
    private boolean reopenAfterEarlyReset() {
        if (received > 0 || reconnected || unanswered.size() == 0) {
            return false;
        }
        reconnected = true;
        try {
            socket.close();
            Socket s = open(address, name, ladder, connectWithin, "reconnect");
            use(s);
            out.write(unanswered.toByteArray());
            out.flush();
            ladder.add(TraceEvent.Arrow.NOTE, "resend", name + ": its first connection was closed before any reply, so it"
                    + " connected again and sent its " + unanswered.size() + " bytes again");
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** The next reply, waiting at most {@code within}. */
    Reply read(Duration within) throws IOException {
        return read(within, System.nanoTime());
    }

    /** The next reply; {@code sentAt} is when its request left, for the ladder's "after". */
    Reply read(Duration within, long sentAt) throws IOException {
        long deadline = System.nanoTime() + within.toNanos();
        Reply r = next(within);
        if (r.kind() == Kind.CLOSED && r.bytes().length == 0 && reopenAfterEarlyReset()) {
            r = next(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
        }
        replies++;
        switch (r.kind()) {
            // Counted from the line, not from this read: a client read after others waited less here.
            case NONE -> ladder.add(TraceEvent.Arrow.PROBLEM, "no reply", name + ": nothing within "
                    + Durations.elapsed(Duration.ofNanos(System.nanoTime() - sentAt)));
            case CLOSED -> ladder.add(r.at(), TraceEvent.Arrow.TO_CLIENT, "closed", name + ": the server closed the connection"
                    + (r.bytes().length > 0 ? " after " + preview(r.bytes()) : ""));
            default -> ladder.add(r.at(), TraceEvent.Arrow.TO_CLIENT, "reply " + replies, name + " gets " + preview(r.bytes())
                    + (r.kind() == Kind.UNTERMINATED ? " (no newline)" : "") + " after " + Durations.millis(r.at() - sentAt));
        }
        return r;
    }

    private Reply next(Duration within) throws IOException {
        long deadline = System.nanoTime() + within.toNanos();
        byte[] chunk = new byte[16 * 1024];
        while (true) {
            int nl = indexOf((byte) '\n');
            if (nl >= 0) {
                return take(nl + 1, Kind.LINE);
            }
            if (length == PACKET_LOSS.length && Arrays.equals(buf, 0, length, PACKET_LOSS, 0, length)) {
                swallowNewline = true; // if its newline follows later, it belongs to this reply
                return take(length, Kind.UNTERMINATED);
            }
            if (length >= MAX_BUFFER) {
                return take(length, Kind.UNTERMINATED);
            }
            long now = System.nanoTime();
            long wait = deadline - now;
            if (length > 0) {
                wait = Math.min(wait, lastByteAt + QUIET.toNanos() - now);
            }
            if (wait <= 0) {
                return length > 0 ? take(length, Kind.UNTERMINATED) : new Reply(Kind.NONE, new byte[0], now);
            }
            socket.setSoTimeout((int) Math.max(1, wait / 1_000_000));
            int n;
            try {
                n = in.read(chunk);
            } catch (SocketTimeoutException e) {
                continue;
            } catch (IOException e) {
                // A reset is the server giving up on this connection: the same as closing it.
                return new Reply(Kind.CLOSED, take(length, Kind.CLOSED).bytes(), System.nanoTime());
            }
            if (n < 0) {
                if (length > 0) {
                    return take(length, Kind.UNTERMINATED);
                }
                return new Reply(Kind.CLOSED, new byte[0], System.nanoTime());
            }
            int from = 0;
            if (swallowNewline && n > 0) {
                swallowNewline = false;
                if (length == 0 && chunk[0] == '\n') {
                    from = 1;
                }
            }
            received += n;
            append(chunk, from, n - from);
            lastByteAt = System.nanoTime();
        }
    }

    private void append(byte[] b, int off, int n) {
        if (length + n > buf.length) {
            buf = Arrays.copyOf(buf, Math.max(buf.length * 2, length + n));
        }
        System.arraycopy(b, off, buf, length, n);
        length += n;
    }

    private int indexOf(byte b) {
        for (int i = 0; i < length; i++) {
            if (buf[i] == b) {
                return i;
            }
        }
        return -1;
    }

    private Reply take(int n, Kind kind) {
        byte[] r = Arrays.copyOf(buf, n);
        System.arraycopy(buf, n, buf, 0, length - n);
        length -= n;
        return new Reply(kind, r, lastByteAt == 0 ? System.nanoTime() : lastByteAt);
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }

    /** Bytes as the ladder and the sentences show them: escaped, quoted, at most 40 bytes. */
    static String preview(byte[] b) {
        int n = Math.min(b.length, PREVIEW);
        return "\"" + Bytes.escape(b, 0, n) + "\"" + (n < b.length ? "... (" + b.length + " bytes)" : "");
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
