package dev.wirelab.part1.net;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * Where the server's log lines go on their way to a terminal: handed over without waiting, and
 * written by a thread of this log's own. A terminal paused with Ctrl-S, a {@code | less} nobody
 * scrolls or a slow ssh session then costs log lines (dropped when the queue is full, counted, and
 * the count written once the output moves again), never the server's accepting and reading.
 */
public final class AsyncLog implements Consumer<String>, AutoCloseable {

    /** Lines that may wait; at most about 4 KB each (an escaped 1 KB chunk), so a few MB at worst. */
    public static final int CAPACITY = 1024;

    private static final String STOP = new String("stop"); // told apart by identity, never printed

    private final PrintWriter out;
    private final ArrayBlockingQueue<String> queue;
    private final AtomicLong dropped = new AtomicLong();
    private final Thread writer;
    private long droppedReported;

    public AsyncLog(PrintWriter out) {
        this(out, CAPACITY);
    }

    public AsyncLog(PrintWriter out, int capacity) {
        this.out = out;
        this.queue = new ArrayBlockingQueue<>(capacity);
        this.writer = Thread.ofPlatform().daemon().name("server-log").start(this::drain);
    }

    /** Queues a line; never blocks. A line that finds the queue full is dropped and counted. */
    @Override
    public void accept(String line) {
        if (!queue.offer(line)) {
            dropped.incrementAndGet();
        }
    }

    /** Lines dropped so far because the output did not keep up. */
    public long dropped() {
        return dropped.get();
    }

    /**
     * Writes what is queued and stops, waiting at most {@code timeout} for an output that does not
     * move (a process must still be able to exit while its terminal is paused).
     */
    public void close(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        try {
            if (queue.offer(STOP, timeout.toNanos(), TimeUnit.NANOSECONDS)) {
                writer.join(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        close(Duration.ofSeconds(2));
    }

    private void drain() {
        try {
            while (true) {
                String line = queue.take();
                if (line == STOP) {
                    reportDropped();
                    out.flush();
                    return;
                }
                out.println(line);
                reportDropped();
                if (queue.isEmpty()) {
                    out.flush(); // once per burst, not once per line
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void reportDropped() {
        long d = dropped.get();
        if (d > droppedReported) {
            out.println("log: " + (d - droppedReported) + " lines dropped: the output did not keep up (" + d + " in all)");
            droppedReported = d;
        }
    }
}
