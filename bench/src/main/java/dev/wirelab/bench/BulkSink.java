package dev.wirelab.bench;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One-way bulk transfer: each client writes its bytes and ends its stream; the sink reads to the
 * end and answers with the count it read (8 bytes), which the client checks. Throughput is what
 * all clients sent over the time until the last count came back.
 */
final class BulkSink implements AutoCloseable {

    private static final int CHUNK = 64 * 1024;
    private static final int TIMEOUT_MS = 30_000;

    private final ServerSocket listener;
    private final Thread acceptor;

    BulkSink() throws IOException {
        listener = new ServerSocket();
        listener.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 4096);
        acceptor = Thread.ofPlatform().daemon().name("bulk-sink-accept").start(this::accept);
    }

    InetSocketAddress address() {
        return (InetSocketAddress) listener.getLocalSocketAddress();
    }

    private void accept() {
        while (!listener.isClosed()) {
            try {
                Socket s = listener.accept();
                Thread.ofVirtual().name("bulk-sink").start(() -> drain(s));
            } catch (IOException e) {
                return; // closed
            }
        }
    }

    private static void drain(Socket s) {
        try (s) {
            s.setSoTimeout(TIMEOUT_MS);
            InputStream in = s.getInputStream();
            byte[] buf = new byte[CHUNK];
            long total = 0;
            for (int n; (n = in.read(buf)) >= 0; ) {
                total += n;
            }
            DataOutputStream out = new DataOutputStream(s.getOutputStream());
            out.writeLong(total);
            out.flush();
        } catch (IOException ignored) {
            // the client sees a missing or wrong count
        }
    }

    /**
     * Sends {@code bytesPerConnection} bytes on each of {@code connections} connections to
     * {@code target} at once (in {@code line}-byte lines, newline last) and returns the seconds
     * until every count came back; fails if any count is not what was sent.
     */
    static double transfer(InetSocketAddress target, int connections, long bytesPerConnection, int line)
            throws IOException, InterruptedException {
        byte[] chunk = new byte[CHUNK - CHUNK % line];
        for (int i = line - 1; i < chunk.length; i += line) {
            chunk[i] = '\n';
        }
        for (int i = 0; i < chunk.length; i++) {
            if (chunk[i] == 0) {
                chunk[i] = 'x';
            }
        }
        List<Socket> sockets = new ArrayList<>();
        List<Thread> senders = new ArrayList<>();
        AtomicLong failures = new AtomicLong();
        AtomicReference<IOException> first = new AtomicReference<>();
        try {
            for (int i = 0; i < connections; i++) {
                Socket s = new Socket();
                sockets.add(s);
                s.setSoTimeout(TIMEOUT_MS);
                s.connect(target, 5000);
            }
            long t0 = System.nanoTime();
            for (Socket s : sockets) {
                senders.add(Thread.ofVirtual().name("bulk-sender").start(() -> {
                    try {
                        send(s, chunk, bytesPerConnection);
                    } catch (IOException e) {
                        first.compareAndSet(null, e);
                        failures.incrementAndGet();
                    }
                }));
            }
            for (Thread t : senders) {
                if (!t.join(Duration.ofMillis(TIMEOUT_MS * 2L))) {
                    throw new IOException("a bulk transfer did not end within " + TIMEOUT_MS * 2 / 1000 + " s");
                }
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            if (failures.get() > 0) {
                throw new IOException(failures.get() + " of " + connections + " bulk transfer(s) failed: " + first.get().getMessage(),
                        first.get());
            }
            return seconds;
        } finally {
            for (Socket s : sockets) {
                s.close();
            }
        }
    }

    private static void send(Socket s, byte[] chunk, long bytes) throws IOException {
        OutputStream out = s.getOutputStream();
        long left = bytes;
        while (left > 0) {
            int n = (int) Math.min(chunk.length, left);
            out.write(chunk, 0, n);
            left -= n;
        }
        s.shutdownOutput();
        long counted;
        try {
            counted = new DataInputStream(s.getInputStream()).readLong();
        } catch (SocketTimeoutException e) {
            throw new IOException("the sink's count did not come back within " + TIMEOUT_MS / 1000 + " s");
        } catch (java.io.EOFException e) {
            throw new IOException("the connection ended before the sink's count came back");
        }
        if (counted != bytes) {
            throw new IOException("the sink read " + counted + " bytes of " + bytes);
        }
    }

    @Override
    public void close() throws IOException {
        listener.close();
        try {
            acceptor.join(Duration.ofSeconds(2));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
