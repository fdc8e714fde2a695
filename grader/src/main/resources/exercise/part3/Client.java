import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * A resilient client for the wirelab wire format, version 1 (docs/wire-format.md): starter.
 * Only the JDK, one file:
 *
 * <pre>
 *     java Client.java HOST PORT &lt; messages.txt
 * </pre>
 *
 * Reads the messages from stdin, one per line, sends each as a DATA frame to the echo server at
 * HOST:PORT, and exits 0 once every message is acknowledged, non-zero if it gives up.
 *
 * <p>The plumbing is done: frames, CRC-32C, connecting, HELLO, reading stdin. As it is, the
 * client works while nothing is lost or damaged (a late reply only makes it wait) and gives up
 * at the first lost, refused or damaged message. Making it reliable is your part: the TODOs in {@link #run}, in the order that the grader's scenarios need them.
 */
public class Client {

    // ---- the wire format (plumbing: nothing to change here) -------------------------------

    static final byte HELLO = 1, DATA = 2, ACK = 3, ERROR = 4;
    static final String[] TYPE_NAMES = {"?", "HELLO", "DATA", "ACK", "ERROR"};
    /** The server's default maximum payload. */
    static final int MAX_PAYLOAD = 65536;
    static final int HEADER = 12;

    /** One frame as it arrived: {@code seq} is unsigned, kept in a long. */
    record Frame(byte type, long seq, byte[] payload) {
        String name() {
            return TYPE_NAMES[type] + " " + seq;
        }
    }

    /** A frame that fails a check: after one, the rest of the byte stream cannot be trusted. */
    static final class FrameException extends IOException {
        private static final long serialVersionUID = 1L;

        FrameException(String why) {
            super(why);
        }
    }

    /** One frame: header (magic "WL", version 1, type, seq, length; big-endian), payload, CRC-32C of both. */
    static byte[] encode(byte type, long seq, byte[] payload) {
        ByteBuffer b = ByteBuffer.allocate(HEADER + payload.length + 4);
        b.put((byte) 'W').put((byte) 'L').put((byte) 1).put(type).putInt((int) seq).putInt(payload.length).put(payload);
        CRC32C crc = new CRC32C();
        crc.update(b.array(), 0, HEADER + payload.length);
        b.putInt((int) crc.getValue());
        return b.array();
    }

    /**
     * The next frame. Throws FrameException for a frame that fails a check (magic, version, type,
     * length, CRC), EOFException when the connection ends, SocketTimeoutException when nothing
     * arrives within the socket's timeout.
     */
    static Frame readFrame(DataInputStream in) throws IOException {
        byte[] header = new byte[HEADER];
        in.readFully(header);
        ByteBuffer h = ByteBuffer.wrap(header);
        if (h.get() != 'W' || h.get() != 'L') {
            throw new FrameException("bad magic");
        }
        if (h.get() != 1) {
            throw new FrameException("unknown version");
        }
        byte type = h.get();
        if (type < HELLO || type > ERROR) {
            throw new FrameException("unknown type " + type);
        }
        long seq = Integer.toUnsignedLong(h.getInt());
        long length = Integer.toUnsignedLong(h.getInt());
        if (length > MAX_PAYLOAD) { // checked before reading: a corrupted length can announce 4 GB
            throw new FrameException("length " + length + " is over the maximum " + MAX_PAYLOAD);
        }
        byte[] payload = new byte[(int) length];
        in.readFully(payload);
        long crc = Integer.toUnsignedLong(in.readInt());
        CRC32C c = new CRC32C();
        c.update(header);
        c.update(payload);
        if (crc != c.getValue()) {
            throw new FrameException("CRC mismatch (" + TYPE_NAMES[type] + " " + seq + ")");
        }
        return new Frame(type, seq, payload);
    }

    /** A connection that has said HELLO: the server now knows this session, also after a reconnect. */
    static final class Connection implements AutoCloseable {
        final Socket socket;
        final DataInputStream in;
        final OutputStream out;

        Connection(String host, int port, String sessionId, int timeoutMillis) throws IOException {
            socket = new Socket();
            socket.connect(new InetSocketAddress(host, port), timeoutMillis);
            socket.setTcpNoDelay(true);
            socket.setSoTimeout(timeoutMillis);
            in = new DataInputStream(socket.getInputStream());
            out = socket.getOutputStream();
            send(HELLO, 0, sessionId.getBytes(StandardCharsets.UTF_8));
            Frame reply = readFrame(in);
            if (reply.type() != ACK || reply.seq() != 0) {
                // ERROR 0: the HELLO was lost, the server has not taken the id.
                // TODO 5: connect again (after a short wait) instead of giving up.
                close();
                throw new IOException("HELLO answered with " + reply.name());
            }
        }

        void send(byte type, long seq, byte[] payload) throws IOException {
            out.write(encode(type, seq, payload));
            out.flush();
        }

        Frame read() throws IOException {
            return readFrame(in);
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    /** stdin, one message per line (the newline, and a CR before it, is not part of it). */
    static List<byte[]> readMessages(InputStream stdin) throws IOException {
        List<byte[]> messages = new ArrayList<>();
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        byte[] all = stdin.readAllBytes();
        for (int i = 0; i < all.length; i++) {
            if (all[i] != '\n') {
                line.write(all[i]);
                if (i + 1 < all.length) {
                    continue;
                }
            }
            byte[] m = line.toByteArray();
            if (m.length > 0 && m[m.length - 1] == '\r') {
                m = java.util.Arrays.copyOf(m, m.length - 1);
            }
            if (m.length > MAX_PAYLOAD) {
                throw new IOException("message " + (messages.size() + 1) + " is longer than " + MAX_PAYLOAD + " bytes");
            }
            messages.add(m);
            line.reset();
        }
        return messages;
    }

    /** Your trace, on stderr: the grader shows its last lines when a scenario fails. */
    static void log(String text) {
        System.err.println(text);
    }

    // ---- the client (your part) -----------------------------------------------------------

    /** How long to wait for a reply. A fixed 2 s only keeps the starter from hanging; measure the round trip instead (TODO 6). */
    static final int TIMEOUT_MILLIS = 2000;

    static int run(String host, int port, List<byte[]> messages) throws IOException {
        // One id per run: a new run numbers from 1 again, so it must not look like the old session.
        byte[] tag = new byte[4];
        new SecureRandom().nextBytes(tag);
        String sessionId = "starter#" + HexFormat.of().formatHex(tag);
        try (Connection c = new Connection(host, port, sessionId, TIMEOUT_MILLIS)) {
            for (int i = 0; i < messages.size(); i++) {
                long seq = i + 1;
                byte[] payload = messages.get(i);
                c.send(DATA, seq, payload);
                log("--> DATA " + seq + " \"" + new String(payload, StandardCharsets.UTF_8) + "\"");
                Frame reply;
                try {
                    reply = c.read();
                } catch (SocketTimeoutException e) {
                    // TODO 1: no reply in time: the DATA or its ACK was lost. Send it again (the
                    // server delivers it once however often it arrives), up to a limit of
                    // attempts, and wait longer after each timeout (exponential backoff).
                    log("!!  timeout waiting for ACK " + seq);
                    return 1;
                } catch (IOException e) {
                    // TODO 4: a frame failed its check (FrameException), or the connection ended.
                    // Nothing more on this connection can be trusted: close it, connect again
                    // (HELLO with the same sessionId), and send the message again.
                    log("!!  " + e);
                    return 1;
                }
                log("<-- " + reply.name());
                if (reply.type() == ERROR) {
                    // TODO 2: ERROR n means message n was NOT delivered: send it again.
                    return 1;
                }
                // TODO 3: only an ACK for this seq that echoes exactly this payload answers it. An
                // ACK for another seq (a duplicate, or a late one for an earlier message) is no
                // answer: ignore it and keep waiting for this one.
                if (reply.type() != ACK || reply.seq() != seq) {
                    log("!!  unexpected " + reply.name() + " while waiting for ACK " + seq);
                    return 1;
                }
            }
        }
        return 0;
    }

    public static void main(String[] args) {
        if (args.length != 2 || !args[1].matches("[0-9]{1,5}") || Integer.parseInt(args[1]) == 0 || Integer.parseInt(args[1]) > 65535) {
            System.err.println("usage: java Client.java HOST PORT < messages (PORT is a number from 1 to 65535)");
            System.exit(2);
        }
        try {
            System.exit(run(args[0], Integer.parseInt(args[1]), readMessages(System.in)));
        } catch (IOException e) {
            // Refused, reset, unknown host, a HELLO not answered: one line, not a stack trace, so
            // that the grader's view of your stderr shows your own trace.
            log("!!  " + args[0] + ":" + args[1] + ": " + e);
            System.exit(1);
        }
    }
}
