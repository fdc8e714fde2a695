package dev.wirelab.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/**
 * Closed-loop echo load written the way most clients are: one virtual thread per connection, a
 * blocking {@link Socket}, write a line, read until its whole echo is back, repeat. It costs more
 * CPU per echo than {@link EchoLoad} and wakes the server in a different rhythm (each reply wakes
 * one virtual thread through the JDK's poller, not a selector batch), which is why a server's
 * result is only a result if it holds under both.
 */
final class BlockingEchoLoad extends Load {

    /** A read that waits this long for an echo fails the load: the server stalled this connection. */
    static final Duration READ_TIMEOUT = Duration.ofSeconds(10);

    private final byte[] message;
    private final List<Conn> conns = new ArrayList<>();
    private final CountDownLatch started;

    /** One connection: its socket, its thread and its completed round trips. */
    private static final class Conn {
        final Socket socket;
        Thread thread;
        /** Written by its own thread only, read by measure(). */
        volatile int echoes;
        /** When the message now in flight went out. */
        volatile long sentAt;

        Conn(Socket socket) {
            this.socket = socket;
        }
    }

    BlockingEchoLoad(InetSocketAddress target, int connections, byte[] message) throws IOException {
        this.message = message.clone();
        this.started = new CountDownLatch(connections);
        try {
            for (int i = 0; i < connections; i++) {
                Socket s = new Socket();
                conns.add(new Conn(s));
                s.setTcpNoDelay(true);
                s.setSoTimeout((int) READ_TIMEOUT.toMillis());
                // One by one, as EchoLoad does: a thousand connections arrive within the backlog.
                s.connect(target, 5000);
            }
        } catch (IOException | RuntimeException e) {
            close();
            throw e;
        }
        int n = 0;
        for (Conn c : conns) {
            c.thread = Thread.ofVirtual().name("blocking-load-" + n++).start(() -> loop(c));
        }
        awaitStarted(started, "the load's connections");
    }

    private void loop(Conn c) {
        boolean counted = false;
        try {
            OutputStream out = c.socket.getOutputStream();
            InputStream in = c.socket.getInputStream();
            // One byte more than a message: a server that sends more than it was sent shows at once.
            byte[] buf = new byte[message.length + 1];
            while (!stop.get()) {
                long sentAt = System.nanoTime();
                c.sentAt = sentAt;
                out.write(message);
                if (!counted) {
                    started.countDown();
                    counted = true;
                }
                int got = 0;
                while (got < message.length) {
                    int n;
                    try {
                        n = in.read(buf, got, buf.length - got);
                    } catch (SocketTimeoutException e) {
                        throw new IOException("no echo for " + READ_TIMEOUT.toSeconds() + " s on a connection (" + got + " of "
                                + message.length + " bytes back)");
                    }
                    if (n < 0) {
                        throw new IOException("server closed the connection");
                    }
                    if (got + n > message.length) {
                        throw new IOException("server sent " + (got + n) + " bytes for a " + message.length + "-byte message");
                    }
                    for (int i = got; i < got + n; i++) {
                        if (buf[i] != message[i]) {
                            throw new IOException("echo differs from the message at byte " + i);
                        }
                    }
                    got += n;
                }
                completed(sentAt);
                c.echoes++; // only this thread writes it
            }
        } catch (IOException e) {
            fail(e);
        } catch (RuntimeException e) {
            fail(new IOException(e.toString(), e));
        } finally {
            if (!counted) {
                started.countDown();
            }
        }
    }

    /**
     * Virtual threads have no CPU clock of their own in the JVM's thread bean; what they use is
     * the time of the scheduler's carrier threads and of the poller threads that wake them.
     */
    @Override
    long cpuNanos() {
        return ThreadCpu.ofNamed(name -> name.startsWith("ForkJoinPool-") && name.contains("-worker-") || name.endsWith("Poller"));
    }

    @Override
    long[] waitingSince() {
        return conns.stream().mapToLong(c -> c.sentAt).toArray();
    }

    @Override
    int[] echoCounts() {
        int[] counts = new int[conns.size()];
        for (int i = 0; i < counts.length; i++) {
            counts[i] = conns.get(i).echoes;
        }
        return counts;
    }

    @Override
    public void close() {
        stop.set(true);
        for (Conn c : conns) {
            try {
                c.socket.close(); // ends a blocked read at once
            } catch (IOException ignored) {
                // closing anyway
            }
        }
        for (Conn c : conns) {
            if (c.thread == null) {
                continue;
            }
            try {
                c.thread.join(Duration.ofSeconds(5));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
