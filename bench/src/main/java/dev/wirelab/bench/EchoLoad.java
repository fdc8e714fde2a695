package dev.wirelab.bench;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;

/**
 * Closed-loop echo load: each connection sends one message, waits for all of its echo, records
 * the round trip and sends the next. A few platform threads, each with its own selector, drive
 * all connections without blocking — far less CPU per message than a thread per connection, so
 * that on a small machine more of the CPU is left to the server being measured.
 */
final class EchoLoad implements AutoCloseable {

    /** One measured window. */
    record Window(long count, long elapsedNanos, Histogram latency, long loadCpuNanos) {
        double perSecond() {
            return count / (elapsedNanos / 1e9);
        }
    }

    private final byte[] message;
    private final List<Driver> drivers = new ArrayList<>();
    private final Recorder recorder = new Recorder(3);
    private final LongAdder done = new LongAdder();
    private final AtomicBoolean measuring = new AtomicBoolean();
    private final AtomicBoolean stop = new AtomicBoolean();
    private volatile IOException failure;

    /** Connects {@code connections} sockets to {@code target}, spread over {@code threads} threads, and starts sending. */
    EchoLoad(InetSocketAddress target, int connections, int threads, byte[] message) throws IOException {
        this.message = message.clone();
        int n = Math.max(1, Math.min(threads, connections));
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
    }

    /**
     * Lets the load run unmeasured for {@code warmup}, then measures for {@code measure};
     * {@code atStart} and {@code atEnd} run at the window's edges (to read a server's counters
     * over the same window).
     */
    Window measure(Duration warmup, Duration measure, Runnable atStart, Runnable atEnd) throws IOException, InterruptedException {
        Thread.sleep(warmup);
        check();
        atStart.run();
        long cpu0 = cpuNanos();
        recorder.reset();
        done.reset();
        measuring.set(true);
        long start = System.nanoTime();
        Thread.sleep(measure);
        measuring.set(false);
        long elapsed = System.nanoTime() - start;
        long count = done.sum();
        long cpu = cpuNanos() - cpu0;
        atEnd.run();
        Histogram h = recorder.getIntervalHistogram();
        check();
        return new Window(count, elapsed, h, cpu);
    }

    private void check() throws IOException {
        if (failure != null) {
            throw failure;
        }
    }

    private long cpuNanos() {
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
        final ByteBuffer out = ByteBuffer.allocateDirect(message.length);
        final ByteBuffer in = ByteBuffer.allocateDirect(Math.max(64 * 1024, message.length));

        Driver(String name) throws IOException {
            selector = Selector.open();
            out.put(message).flip();
            thread = Thread.ofPlatform().daemon().name(name).unstarted(this);
        }

        /** Per connection: when its message went out, and how much of the echo came back. */
        private static final class Conn {
            long sentAt;
            int received;
        }

        @Override
        public void run() {
            try {
                for (SocketChannel ch : channels) {
                    Conn c = new Conn();
                    ch.register(selector, SelectionKey.OP_READ, c);
                    send(ch, c);
                }
                while (!stop.get()) {
                    selector.select(this::ready, 100);
                }
            } catch (java.io.UncheckedIOException e) {
                fail(e.getCause());
            } catch (IOException | RuntimeException e) {
                fail(e instanceof IOException io ? io : new IOException(e.toString(), e));
            }
        }

        private void fail(IOException e) {
            if (!stop.get()) {
                failure = e;
            }
        }

        private void ready(SelectionKey key) {
            SocketChannel ch = (SocketChannel) key.channel();
            Conn c = (Conn) key.attachment();
            try {
                in.clear();
                int n = ch.read(in);
                if (n < 0) {
                    throw new IOException("server closed the connection");
                }
                c.received += n;
                if (c.received > message.length) {
                    throw new IOException("server sent " + c.received + " bytes for a " + message.length + "-byte message");
                }
                if (c.received == message.length) {
                    if (measuring.get()) {
                        recorder.recordValue(System.nanoTime() - c.sentAt);
                        done.increment();
                    }
                    send(ch, c);
                }
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }

        private void send(SocketChannel ch, Conn c) throws IOException {
            c.received = 0;
            c.sentAt = System.nanoTime();
            out.rewind();
            // The previous echo was read whole, so the socket's send buffer is empty: a small
            // message always goes out in one write.
            if (ch.write(out) != message.length) {
                throw new IOException("short write of a " + message.length + "-byte message");
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
