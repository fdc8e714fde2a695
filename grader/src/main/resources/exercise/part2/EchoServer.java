import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Random;

/**
 * An echo server that fails on purpose (report section 3.2): starter. Only the JDK, one file:
 *
 * <pre>
 *     java EchoServer.java PORT DELAY LOSS CORRUPT
 *     e.g. java EchoServer.java 8080 0.5 0.1 0.1
 * </pre>
 *
 * Echoes every line a client sends, to many clients at once, and makes the network's faults
 * happen on purpose: each reply waits DELAY seconds, is lost with probability LOSS (the reply is
 * then "Packet Loss" instead of the echo), and is corrupted with probability CORRUPT (one byte of
 * the echo flipped, never the newline).
 *
 * <p>The plumbing is done: listening, a thread per client, cutting the byte stream into lines.
 * As it is, the server echoes perfectly. The faults are your part: the TODOs in {@link #fault}.
 */
public class EchoServer {

    /** A line longer than this is echoed as it comes, so memory stays bounded. */
    static final int MAX_LINE = 65536;

    final double delay;
    final double loss;
    final double corrupt;
    final Random random = new Random();

    EchoServer(double delay, double loss, double corrupt) {
        this.delay = delay;
        this.loss = loss;
        this.corrupt = corrupt;
    }

    /** The reply to one line (which ends with its newline). */
    byte[] fault(byte[] line) throws InterruptedException {
        // TODO 1: wait `delay` seconds (Thread.sleep takes milliseconds). This runs in the
        // client's own thread: only this client waits, every other client is served meanwhile.
        // (Lines that arrive together then wait one after another, as in the report; the
        // grader notes it, it does not fail you for it.)

        // TODO 2: with probability `loss`, the reply is "Packet Loss" instead of the echo.
        // (random.nextDouble() < loss is true with probability loss.)

        // TODO 3: with probability `corrupt`, flip all the bits of one byte of the echo
        // (b[i] ^= (byte) 0xFF on a copy), chosen at random, but never the newline at the end.
        // An empty line (just "\n") has nothing to flip: it comes back as it is.
        return line;
    }

    /** One client: lines in, replies out, until it closes the connection. */
    void serve(Socket socket) {
        String who = socket.getRemoteSocketAddress().toString();
        System.out.println("connection from " + who);
        try (socket; InputStream in = socket.getInputStream(); OutputStream out = socket.getOutputStream()) {
            ByteArrayOutputStream pending = new ByteArrayOutputStream();
            byte[] buf = new byte[65536];
            int n;
            while ((n = in.read(buf)) >= 0) {
                int from = 0;
                for (int i = 0; i < n; i++) {
                    if (buf[i] == '\n') {
                        pending.write(buf, from, i + 1 - from);
                        out.write(fault(pending.toByteArray()));
                        out.flush();
                        pending.reset();
                        from = i + 1;
                    }
                }
                pending.write(buf, from, n - from);
                if (pending.size() > MAX_LINE) {
                    out.write(pending.toByteArray());
                    pending.reset();
                }
            }
        } catch (IOException | InterruptedException e) {
            // the client is gone; every other client is served on
        }
        System.out.println(who + " closed");
    }

    public static void main(String[] args) {
        int port;
        EchoServer server;
        try {
            if (args.length != 4) {
                throw new IllegalArgumentException("4 arguments, got " + args.length);
            }
            port = Integer.parseInt(args[0]);
            server = new EchoServer(Double.parseDouble(args[1]), Double.parseDouble(args[2]), Double.parseDouble(args[3]));
        } catch (IllegalArgumentException e) { // NumberFormatException is one
            System.err.println("usage: java EchoServer.java PORT DELAY LOSS CORRUPT (" + e.getMessage() + ")");
            System.exit(2);
            return;
        }
        ServerSocket listener;
        try {
            listener = new ServerSocket(port, 50, InetAddress.getLoopbackAddress());
        } catch (IOException | IllegalArgumentException e) {
            // One line, not a stack trace: e.g. another server (an earlier run?) has the port.
            System.err.println("cannot listen on 127.0.0.1:" + port + ": " + e.getMessage());
            System.exit(1);
            return;
        }
        System.out.println("echo server on 127.0.0.1:" + port + ", delay " + args[1] + " s, loss " + args[2] + ", corrupt " + args[3]);
        try (listener) {
            while (true) {
                Socket s = listener.accept();
                new Thread(() -> server.serve(s), "client " + s.getRemoteSocketAddress()).start();
            }
        } catch (IOException e) {
            // The listening socket itself failed (out of file descriptors, say), not one client.
            System.err.println("cannot accept on 127.0.0.1:" + port + ": " + e.getMessage());
            System.exit(1);
        }
    }
}
