package dev.wirelab.part2.server;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Consumer;

/**
 * One thread with a selector that serves many connections (the echo server's, or the proxy's
 * pairs): reads, writes, and timers (delayed replies, idle timeouts). Everything a connection does
 * runs on its loop's thread, so the connection needs no locks, and one loop per core keeps the
 * cores busy without a thread per client.
 */
public final class EventLoop implements Runnable {

    private record Timer(long due, long order, Runnable task) implements Comparable<Timer> {
        @Override
        public int compareTo(Timer o) {
            int c = Long.compare(due - o.due, 0);
            return c != 0 ? c : Long.compare(order, o.order);
        }
    }

    private final Selector selector;
    private final Thread thread;
    private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    private final PriorityQueue<Timer> timers = new PriorityQueue<>();
    private final Set<Served> connections = new HashSet<>();
    /*
     * Shared by the loop's connections: a read is fully processed before the next one, and a
     * write copies out of them before it returns. Direct, so the JDK reads and writes them as
     * they are: given a heap buffer it copies through a temporary direct buffer of its own, found
     * per call through a thread-local cache (issue 15's profile: ~7 % of the loop's Java time).
     */
    private static final int READ_BYTES = 16 * 1024;
    private static final int WRITE_CHUNK = 64 * 1024;
    private final ByteBuffer directIn = ByteBuffer.allocateDirect(READ_BYTES);
    private final byte[] readBytes = new byte[READ_BYTES];
    private final ByteBuffer directOut = ByteBuffer.allocateDirect(WRITE_CHUNK);
    private final long sweepNanos;
    private final Consumer<String> log;
    /** Made once: {@code this::ready} at each select would be an allocation per wake-up. */
    private final java.util.function.Consumer<SelectionKey> onReady = this::ready;
    private long timerOrder;
    private long nextSweep;
    private volatile boolean stopping;
    private volatile boolean ended;

    /** @param sweepEvery how often {@link Served#sweep} runs; zero for never */
    public EventLoop(String name, Duration sweepEvery, Consumer<String> log) throws IOException {
        this.selector = Selector.open();
        this.log = log;
        this.sweepNanos = sweepEvery.isZero() ? Long.MAX_VALUE : sweepEvery.toNanos();
        this.thread = Thread.ofPlatform().daemon().name(name).unstarted(this);
    }

    public void start() {
        thread.start();
    }

    /** False once the loop's thread ended: it must not be given connections any more. */
    public boolean alive() {
        return !ended && !stopping;
    }

    public boolean inLoop() {
        return Thread.currentThread() == thread;
    }

    public Selector selector() {
        return selector;
    }

    /**
     * Reads what {@code channel} has, at most 16 KiB, into {@link #readBytes()}; returns how many
     * bytes, 0 for none, -1 at end of stream. Loop thread only.
     */
    public int read(SocketChannel channel) throws IOException {
        directIn.clear();
        int n = channel.read(directIn);
        if (n > 0) {
            directIn.get(0, readBytes, 0, n);
        }
        return n;
    }

    /** What the last {@link #read} read, from index 0; valid until the next read on this loop. */
    public byte[] readBytes() {
        return readBytes;
    }

    /**
     * Writes as much of {@code b[off, off+len)} as {@code channel} takes now; returns how many
     * bytes it took. Loop thread only.
     */
    public int write(SocketChannel channel, byte[] b, int off, int len) throws IOException {
        int done = 0;
        while (done < len) {
            int chunk = Math.min(len - done, WRITE_CHUNK);
            directOut.clear();
            directOut.put(0, b, off + done, chunk).limit(chunk);
            int n = channel.write(directOut);
            done += n;
            if (n < chunk) {
                break; // the socket's buffer is full: the rest waits for OP_WRITE
            }
        }
        return done;
    }

    /** The loop for connection {@code number}, round-robin over the loops still running; null if none is. */
    public static EventLoop pick(EventLoop[] loops, long number) {
        for (int i = 0; i < loops.length; i++) {
            EventLoop loop = loops[(int) ((number + i) % loops.length)];
            if (loop.alive()) {
                return loop;
            }
        }
        return null;
    }

    /** Runs {@code task} on the loop's thread, soon. Safe from any thread. */
    public void execute(Runnable task) {
        tasks.add(task);
        selector.wakeup();
    }

    /**
     * How often to sweep for timeouts of {@code timeout} (zero for none), so they are noticed
     * within ~25% of it: a quarter of it, 10 ms to {@code most}.
     */
    public static Duration sweepFor(Duration timeout, Duration most) {
        long t = timeout.toNanos();
        return t == 0 ? Duration.ZERO : Duration.ofNanos(Math.clamp(t / 4, 10_000_000L, most.toNanos()));
    }

    /** Runs {@code task} on the loop at {@code due} (System.nanoTime); loop thread only. */
    public void schedule(long due, Runnable task) {
        timers.add(new Timer(due, timerOrder++, task));
    }

    public void added(Served c) {
        connections.add(c);
    }

    public void removed(Served c) {
        connections.remove(c);
    }

    /** Closes every connection and ends the loop; returns once it ended (or after a bound). */
    public void shutdown() {
        stopping = true;
        selector.wakeup();
        if (!inLoop()) {
            try {
                thread.join(Duration.ofSeconds(2));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public void run() {
        nextSweep = System.nanoTime() + sweepNanos;
        try {
            // The loop sleeps in epoll_wait whenever nothing is due, never polls: a short busy
            // poll after traffic won one load generator's benchmark and lost another's, and cost
            // a client pinging at a low rate three times Netty's CPU per echo (issue 15).
            while (!stopping) {
                long wait = nextWakeup() - System.nanoTime();
                if (wait <= 0) {
                    selector.selectNow(onReady);
                } else {
                    selector.select(onReady, Math.max(1, (wait + 999_999) / 1_000_000));
                }
                runTasks();
                long now = System.nanoTime();
                runTimers(now);
                sweep(now);
            }
        } catch (Throwable e) {
            // Only the selector itself gets here (each connection, task and timer is guarded).
            log.accept("event loop " + thread.getName() + " failed: " + e);
        } finally {
            ended = true;
            runTasks();
            for (Served c : new ArrayList<>(connections)) {
                try {
                    c.abort();
                } catch (Throwable ignored) {
                    // the others are closed anyway
                }
            }
            try {
                selector.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
    }

    private long nextWakeup() {
        long next = nextSweep;
        Timer t = timers.peek();
        if (t != null && t.due() - next < 0) {
            next = t.due();
        }
        if (!tasks.isEmpty()) {
            return System.nanoTime();
        }
        return next;
    }

    private void ready(SelectionKey key) {
        Served c = (Served) key.attachment();
        try {
            c.onReady(key);
        } catch (Throwable e) {
            // A bug, or an Error such as OutOfMemoryError while serving one client, must not take
            // the loop down with every other client on it; it ends this one.
            try {
                c.internalError(e);
            } catch (Throwable again) {
                key.cancel();
            }
        }
    }

    private void runTasks() {
        for (Runnable r; (r = tasks.poll()) != null; ) {
            try {
                r.run();
            } catch (Throwable e) {
                log.accept("task on " + thread.getName() + " failed: " + e);
            }
        }
    }

    private void runTimers(long now) {
        for (Timer t; (t = timers.peek()) != null && t.due() - now <= 0; ) {
            timers.poll();
            try {
                t.task().run();
            } catch (Throwable e) {
                log.accept("timer on " + thread.getName() + " failed: " + e);
            }
        }
    }

    private void sweep(long now) {
        if (now - nextSweep < 0) {
            return;
        }
        nextSweep = now + sweepNanos;
        for (Served c : new ArrayList<>(connections)) {
            try {
                c.sweep(now);
            } catch (Throwable e) {
                c.internalError(e);
            }
        }
    }
}
