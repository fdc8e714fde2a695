package dev.wirelab.bench;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A closed-loop echo load generator: each connection sends one message, waits for all of its echo
 * (checked byte for byte), records the round trip and sends the next. Two ways to write one, so a
 * result does not hang on how the client happens to be written.
 */
abstract sealed class Load implements AutoCloseable permits EchoLoad, BlockingEchoLoad {

    /** One measured window. */
    record Window(long count, long elapsedNanos, Histogram latency, long loadCpuNanos) {
        double perSecond() {
            return count / (elapsedNanos / 1e9);
        }
    }

    /** The two kinds of generator. */
    enum Kind {
        /** A few platform threads, one selector each, non-blocking channels ({@link EchoLoad}). */
        SELECTOR("selector"),
        /** A virtual thread per connection on a blocking {@link java.net.Socket} ({@link BlockingEchoLoad}). */
        BLOCKING("blocking");

        private final String label;

        Kind(String label) {
            this.label = label;
        }

        String label() {
            return label;
        }

        /** Connects {@code connections} sockets to {@code target} and starts the loop on each. */
        Load open(InetSocketAddress target, int connections, int selectorThreads, byte[] message) throws IOException {
            return switch (this) {
                case SELECTOR -> new EchoLoad(target, connections, selectorThreads, message);
                case BLOCKING -> new BlockingEchoLoad(target, connections, message);
            };
        }
    }

    private final Recorder recorder = new Recorder(3);
    private final AtomicBoolean measuring = new AtomicBoolean();
    /** Set by close(): what fails after it is the closing, not the server. */
    final AtomicBoolean stop = new AtomicBoolean();
    private final AtomicReference<IOException> failure = new AtomicReference<>();

    /** CPU nanoseconds the generator's own threads used so far. */
    abstract long cpuNanos();

    /** Completed round trips so far, one count per connection. */
    abstract int[] echoCounts();

    /** Per connection, in the order of {@link #echoCounts}: System.nanoTime when its message in flight went out. */
    abstract long[] waitingSince();

    /**
     * A connection that completed no echo in a window and has waited this long for one is stalled.
     * Waiting alone decides, not the window's length: in a short window on a busy machine a
     * healthy connection may just not have had its turn.
     */
    static final Duration STALLED_AFTER = Duration.ofSeconds(1);

    /** A connection's round trip that began at {@code sentAt} (System.nanoTime) is complete. */
    final void completed(long sentAt) {
        if (measuring.get()) {
            recorder.recordValue(System.nanoTime() - sentAt);
        }
    }

    /** The load has failed; the first failure is the one measure() reports. */
    final void fail(IOException e) {
        if (!stop.get()) {
            failure.compareAndSet(null, e);
        }
    }

    final void check() throws IOException {
        IOException e = failure.get();
        if (e != null) {
            throw e;
        }
    }

    /**
     * Waits until every connection has sent its first message ({@code started} counted down), then
     * fails if one failed already; on either failure the load is closed. {@code what} names what
     * did not start in the message.
     */
    final void awaitStarted(CountDownLatch started, String what) throws IOException {
        try {
            if (!started.await(30, TimeUnit.SECONDS)) {
                close();
                throw new IOException(what + " did not start within 30 s");
            }
        } catch (InterruptedException e) {
            close();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while starting the load", e);
        }
        try {
            check();
        } catch (IOException e) {
            close();
            throw e;
        }
    }

    /**
     * Lets the load run unmeasured for {@code warmup}, then measures for {@code measure};
     * {@code atStart} and {@code atEnd} run at the window's edges (to read a server's counters over
     * the same window). Fails if a connection completed no echo in the window: a stalled client
     * would otherwise only show as a lower rate.
     */
    final Window measure(Duration warmup, Duration measure, Runnable atStart, Runnable atEnd) throws IOException, InterruptedException {
        Thread.sleep(warmup);
        check();
        long cpu0 = cpuNanos();
        int[] before = echoCounts();
        recorder.reset();
        // The edges' own work stays outside them, so the caller's window is the measured one.
        atStart.run();
        measuring.set(true);
        long start = System.nanoTime();
        Thread.sleep(measure);
        measuring.set(false);
        long elapsed = System.nanoTime() - start;
        atEnd.run();
        long cpu = cpuNanos() - cpu0;
        int[] after = echoCounts();
        long[] since = waitingSince();
        long now = System.nanoTime();
        // The count is the histogram's: a round trip recorded just as the window closed is in
        // both or in neither.
        Histogram h = recorder.getIntervalHistogram();
        check();
        int stalled = 0;
        for (int i = 0; i < before.length; i++) {
            stalled += after[i] == before[i] && now - since[i] >= STALLED_AFTER.toNanos() ? 1 : 0;
        }
        if (stalled > 0) {
            throw new IOException(stalled + " of " + before.length + " connection(s) completed no echo in the "
                    + measure.toMillis() + " ms window and waited " + STALLED_AFTER.toSeconds() + " s or more for one");
        }
        return new Window(h.getTotalCount(), elapsed, h, cpu);
    }

    @Override
    public abstract void close();

    /** The message {@code size} bytes long, newline last: what every echo bench sends. */
    static byte[] line(int size) {
        byte[] m = new byte[size];
        java.util.Arrays.fill(m, (byte) 'x');
        m[size - 1] = '\n';
        return m;
    }
}
