package dev.wirelab.part2;

import dev.wirelab.common.Bytes;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * The report's client, and nothing more: it sends a line, waits for one line back, and takes
 * whatever arrives as the answer. No sequence numbers, no checksum, no retransmission - which is
 * exactly why the faults of {@link EchoServer} fool it. Part 3's demo shows it failing next to the
 * resilient client.
 *
 * <pre>{@code
 * try (var client = PlainLineClient.connect(server.address(), Duration.ofSeconds(2))) {
 *     PlainLineClient.Reply r = client.send("Test1");
 *     r.outcome();  // REPLY, TIMEOUT, CLOSED or RESET
 *     r.intact();   // true only if the exact line came back
 * }
 * }</pre>
 */
public final class PlainLineClient implements AutoCloseable {

    /** What the client got for one line. */
    public enum Outcome {
        /** A line (or, at end of stream, some bytes) came back: {@link Reply#received()} holds it. */
        REPLY,
        /** Nothing within the read timeout. */
        TIMEOUT,
        /** The server closed the connection (FIN) before a reply. */
        CLOSED,
        /** The connection was reset (RST). */
        RESET
    }

    /**
     * One exchange.
     *
     * @param sent     the bytes sent, newline included
     * @param received the bytes that came back up to and including a newline; empty when none
     * @param elapsed  from the send until the reply's last byte (or until giving up)
     */
    public record Reply(byte[] sent, byte[] received, Duration elapsed, Outcome outcome) {
        public Reply {
            sent = sent.clone();
            received = received.clone();
        }

        @Override
        public byte[] sent() {
            return sent.clone();
        }

        @Override
        public byte[] received() {
            return received.clone();
        }

        /** True when exactly the sent line came back. */
        public boolean intact() {
            return outcome == Outcome.REPLY && Arrays.equals(sent, received);
        }

        /** The reply as safe one-line text ({@code Te\x8ct1\n}). */
        public String receivedText() {
            return Bytes.escape(received);
        }

        @Override
        public String toString() {
            return outcome + " after " + elapsed.toMillis() + " ms: " + receivedText();
        }
    }

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    private final byte[] pending = new byte[8192];
    private int pendingLength;
    private boolean eof;

    private PlainLineClient(Socket socket) throws IOException {
        this.socket = socket;
        this.in = socket.getInputStream();
        this.out = socket.getOutputStream();
    }

    /** Connects; each {@link #send} then waits at most {@code readTimeout} for its reply. */
    public static PlainLineClient connect(InetSocketAddress server, Duration readTimeout) throws IOException {
        Objects.requireNonNull(server, "server");
        Socket s = new Socket();
        try {
            s.connect(server, (int) Math.min(Integer.MAX_VALUE, Math.max(1, readTimeout.toMillis())));
            s.setTcpNoDelay(true);
            s.setSoTimeout((int) Math.min(Integer.MAX_VALUE, Math.max(1, readTimeout.toMillis())));
            return new PlainLineClient(s);
        } catch (IOException e) {
            s.close();
            throw e;
        }
    }

    /** Connects, sends each line in turn (waiting for its reply), and closes. */
    public static List<Reply> exchange(InetSocketAddress server, List<String> lines, Duration readTimeout) throws IOException {
        List<Reply> replies = new ArrayList<>();
        try (PlainLineClient c = connect(server, readTimeout)) {
            for (String l : lines) {
                Reply r = c.send(l);
                replies.add(r);
                if (r.outcome() == Outcome.CLOSED || r.outcome() == Outcome.RESET) {
                    break;
                }
            }
        }
        return replies;
    }

    /** Sends {@code line} plus a newline and waits for one line back. */
    public Reply send(String line) throws IOException {
        return send((line + "\n").getBytes(StandardCharsets.UTF_8));
    }

    /** Sends raw bytes (include the newline yourself) and waits for one line back. */
    public Reply send(byte[] bytes) throws IOException {
        long start = System.nanoTime();
        try {
            out.write(bytes);
            out.flush();
        } catch (SocketException e) {
            return new Reply(bytes, new byte[0], since(start), Outcome.RESET);
        }
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        while (true) {
            for (int i = 0; i < pendingLength; i++) {
                if (pending[i] == '\n') {
                    got.write(pending, 0, i + 1);
                    System.arraycopy(pending, i + 1, pending, 0, pendingLength - i - 1);
                    pendingLength -= i + 1;
                    return new Reply(bytes, got.toByteArray(), since(start), Outcome.REPLY);
                }
            }
            if (pendingLength == pending.length) {
                // A line longer than our buffer: hand back what we have, like a short recv() would.
                got.write(pending, 0, pendingLength);
                pendingLength = 0;
                return new Reply(bytes, got.toByteArray(), since(start), Outcome.REPLY);
            }
            if (eof) {
                byte[] rest = Arrays.copyOf(pending, pendingLength);
                pendingLength = 0;
                return new Reply(bytes, rest, since(start), rest.length > 0 ? Outcome.REPLY : Outcome.CLOSED);
            }
            int n;
            try {
                n = in.read(pending, pendingLength, pending.length - pendingLength);
            } catch (SocketTimeoutException e) {
                // A late reply's first bytes stay pending: the next send reads them, as the report's client would.
                return new Reply(bytes, new byte[0], since(start), Outcome.TIMEOUT);
            } catch (SocketException e) {
                return new Reply(bytes, Arrays.copyOf(pending, pendingLength), since(start), Outcome.RESET);
            }
            if (n < 0) {
                eof = true;
            } else {
                pendingLength += n;
            }
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }

    private static Duration since(long start) {
        return Duration.ofNanos(System.nanoTime() - start);
    }
}
