package dev.wirelab.part2.server;

import dev.wirelab.common.Bytes;

import java.io.PrintWriter;
import java.time.Clock;
import java.time.Duration;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * Log lines for a terminal or a file: a wall-clock time (to compare with a capture's times) and the
 * line. A server's event loops hand lines over without ever waiting: a bounded queue, emptied by a
 * thread of its own, so a stdout nobody reads (a paused terminal, {@code | less}, a slow ssh
 * session) costs log lines, never serving. A line that finds the queue full is dropped and
 * counted, and the log says how many were dropped once it can write again.
 */
public final class Log implements AutoCloseable {

    /** Lines waiting to be written; at ~100 bytes a line, about a megabyte. */
    public static final int CAPACITY = 8192;
    /** Bytes of one message a log line shows; the rest is counted, not shown. */
    public static final int MAX_SHOWN_BYTES = 64;

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss.SSS");
    /**
     * Resolved now, not at the first log line: resolving the time zone reads the tz database, and
     * if that first happens while the process is out of file descriptors, the failed class
     * initialisation makes every later log call throw NoClassDefFoundError.
     */
    private static final Clock CLOCK = Clock.systemDefaultZone();
    private static final String END = new String("end of log"); // compared by identity

    static {
        LocalTime.now(CLOCK).format(TIME); // loads the formatting and zone classes too
    }

    private final PrintWriter out;
    private final ArrayBlockingQueue<String> queue;
    private final AtomicLong dropped = new AtomicLong();
    private final Thread writer;
    private long reported;

    public Log(PrintWriter out) {
        this(out, CAPACITY);
    }

    public Log(PrintWriter out, int capacity) {
        this.out = out;
        this.queue = new ArrayBlockingQueue<>(capacity);
        this.writer = Thread.ofPlatform().daemon().name("log-writer").start(this::writeLoop);
    }

    /** Where a server's log lines go; never blocks. */
    public Consumer<String> sink() {
        return this::offer;
    }

    /** Queues a line stamped with the time now; drops (and counts) it when the queue is full. */
    public void offer(String line) {
        String time;
        try {
            time = LocalTime.now(CLOCK).format(TIME);
        } catch (Throwable e) {
            time = "--:--:--.---"; // the line matters more than its time
        }
        if (!queue.offer(time + " " + line)) {
            dropped.incrementAndGet();
        }
    }

    /** Lines dropped so far because the output could not keep up. */
    public long dropped() {
        return dropped.get();
    }

    /** Writes what is queued (waiting at most {@code timeout} for a stuck output) and stops the writer. */
    public void close(Duration timeout) {
        try {
            if (queue.offer(END, timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                writer.join(timeout);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        close(Duration.ofSeconds(2));
    }

    private void writeLoop() {
        try {
            while (true) {
                String line = queue.take();
                if (line == END) {
                    reportDropped();
                    out.flush();
                    return;
                }
                out.println(line);
                reportDropped();
                if (queue.isEmpty()) {
                    out.flush(); // one flush per burst, not per line
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void reportDropped() {
        long d = dropped.get();
        if (d > reported) {
            out.println("log: " + (d - reported) + " lines dropped (the output could not keep up; "
                    + d + " in all)");
            reported = d;
        }
    }

    /**
     * A message as a log line shows it: escaped ({@link Bytes#escape}), at most
     * {@link #MAX_SHOWN_BYTES} of it, and how long it was when that is more.
     */
    public static String shown(byte[] b, int off, int len) {
        if (len <= MAX_SHOWN_BYTES) {
            return Bytes.escape(b, off, len);
        }
        return Bytes.escape(b, off, MAX_SHOWN_BYTES) + "... (" + len + " bytes)";
    }

    public static String shown(byte[] b) {
        return shown(b, 0, b.length);
    }

    /** A peer-supplied text (a client id) as a log line shows it. */
    public static String shown(String peerText) {
        return shown(peerText.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }
}
