package dev.wirelab.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/**
 * Closed-loop echo load: each connection sends one message, waits for all of its echo, records
 * the round trip and sends the next. A few platform threads, each with its own selector, drive
 * all connections without blocking — far less CPU per message than a thread per connection, so
 * that on a small machine more of the CPU is left to the server being measured.
 */
final class EchoLoad extends Load {

    private final byte[] message;
    private final List<Driver> drivers = new ArrayList<>();
    private final CountDownLatch started;

    /** Connects {@code connections} sockets to {@code target}, spread over {@code threads} threads, and starts sending. */
    EchoLoad(InetSocketAddress target, int connections, int threads, byte[] message) throws IOException {
        this.message = message.clone();
        int n = Math.max(1, Math.min(threads, connections));
        this.started = new CountDownLatch(n);
        try {
            for (int i = 0; i < n; i++) {
                drivers.add(new Driver("echo-load-" + i));
            }
            for (int i = 0; i < connections; i++) {
                SocketChannel ch = SocketChannel.open();
                drivers.get(i % n).channels.add(ch);
                ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
                // Blocking connect: a thousand connections arrive one by one, within the backlog.
                ch.socket().connect(target, 5000);
                ch.configureBlocking(false);
            }
        } catch (IOException | RuntimeException e) {
            close();
            throw e;
        }
        for (Driver d : drivers) {
            d.thread.start();
        }
        // Every connection is registered and has sent its first message before measure().
        awaitStarted(started, "the load threads");
    }

    @Override
    long[] waitingSince() {
        return conns().mapToLong(c -> c.sentAt).toArray();
    }

    private java.util.stream.Stream<Driver.Conn> conns() {
        return drivers.stream().flatMap(d -> d.conns.stream());
    }

    @Override
    int[] echoCounts() {
        return conns().mapToInt(c -> c.echoes).toArray();
    }

    @Override
    long cpuNanos() {
        long sum = 0;
        for (Driver d : drivers) {
            sum += ThreadCpu.of(d.thread);
        }
        return sum;
    }

    @Override
    public void close() {
        stop.set(true);
        for (Driver d : drivers) {
            d.selector.wakeup();
        }
        for (Driver d : drivers) {
            try {
                if (d.thread.isAlive()) {
                    d.thread.join(Duration.ofSeconds(5));
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            d.closeAll();
        }
    }

    /** One thread, one selector, a share of the connections. */
    private final class Driver implements Runnable {
        final Selector selector;
        final Thread thread;
        final List<SocketChannel> channels = new ArrayList<>();
        final List<Conn> conns = new java.util.concurrent.CopyOnWriteArrayList<>();
        final ByteBuffer out = ByteBuffer.allocateDirect(message.length);
        final ByteBuffer in = ByteBuffer.allocateDirect(Math.max(64 * 1024, message.length));

        Driver(String name) throws IOException {
            selector = Selector.open();
            out.put(message).flip();
            thread = Thread.ofPlatform().daemon().name(name).unstarted(this);
        }

        /** Per connection: when its message went out, how much of it went and how much came back. */
        private static final class Conn {
            /** When the message now in flight went out; read by measure() too. */
            volatile long sentAt;
            int sent;
            int received;
            /** Completed round trips; written by the driver only, read by measure(). */
            volatile int echoes;
        }

        @Override
        public void run() {
            try {
                for (SocketChannel ch : channels) {
                    Conn c = new Conn();
                    conns.add(c);
                    send(ch.register(selector, SelectionKey.OP_READ, c), c);
                }
                started.countDown();
                while (!stop.get()) {
                    selector.select(this::ready, 100);
                }
            } catch (UncheckedIOException e) {
                fail(e.getCause());
            } catch (IOException | RuntimeException e) {
                fail(e instanceof IOException io ? io : new IOException(e.toString(), e));
            } finally {
                started.countDown();
            }
        }

        private void ready(SelectionKey key) {
            Conn c = (Conn) key.attachment();
            try {
                if (key.isWritable()) {
                    writeMore(key, c);
                }
                if (key.isReadable()) {
                    read(key, c);
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        private void read(SelectionKey key, Conn c) throws IOException {
            in.clear();
            int n = ((SocketChannel) key.channel()).read(in);
            if (n < 0) {
                throw new IOException("server closed the connection");
            }
            if (c.received + n > message.length) {
                throw new IOException("server sent " + (c.received + n) + " bytes for a " + message.length + "-byte message");
            }
            for (int i = 0; i < n; i++) {
                if (in.get(i) != message[c.received + i]) {
                    throw new IOException("echo differs from the message at byte " + (c.received + i));
                }
            }
            c.received += n;
            if (c.received == message.length) {
                completed(c.sentAt);
                c.echoes++; // only this thread writes it
                send(key, c);
            }
        }

        private void send(SelectionKey key, Conn c) throws IOException {
            c.sent = 0;
            c.received = 0;
            c.sentAt = System.nanoTime();
            writeMore(key, c);
        }

        /** Writes what the socket takes of the current message; waits for OP_WRITE for the rest. */
        private void writeMore(SelectionKey key, Conn c) throws IOException {
            out.limit(message.length).position(c.sent);
            c.sent += ((SocketChannel) key.channel()).write(out);
            int ops = c.sent < message.length ? SelectionKey.OP_READ | SelectionKey.OP_WRITE : SelectionKey.OP_READ;
            if (key.interestOps() != ops) {
                key.interestOps(ops);
            }
        }

        void closeAll() {
            for (SocketChannel ch : channels) {
                try {
                    ch.close();
                } catch (IOException ignored) {
                    // closing anyway
                }
            }
            try {
                selector.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
    }
}
