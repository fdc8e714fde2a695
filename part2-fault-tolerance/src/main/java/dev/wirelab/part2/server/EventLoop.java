package dev.wirelab.part2.server;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
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

    /*
     * A loop that just had traffic polls for up to SPIN_NANOS before it sleeps in epoll_wait, but
     * only while it is the one busy loop, serves at most a few connections, and the machine has
     * a core to spare. Then a round trip is mostly two thread wake-ups (tens of microseconds on
     * a VM, where an idle virtual CPU halts), and polling skips the server's - Linux's busy_poll
     * and a guest's haltpoll make the same trade. Once a second loop is busy, or a loop serves
     * many clients, the next event is usually already there and polling would only take CPU from
     * other work (the clients, on a shared machine), so the loops sleep as usual. The cost:
     * while one client keeps up a steady ping-pong, its loop keeps one core busy; nothing while
     * idle.
     */
    private static final long SPIN_NANOS = 50_000;
    private static final int SPIN_MAX_CONNECTIONS = 4;
    /** Another loop that had traffic within this long counts as busy. */
    private static final long BUSY_WINDOW_NANOS = 1_000_000;
    private static final boolean SPARE_CORE = Runtime.getRuntime().availableProcessors() >= 2;

    private final Selector selector;
    private final Thread thread;
    private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    private final PriorityQueue<Timer> timers = new PriorityQueue<>();
    private final Set<Served> connections = new HashSet<>();
    /** Shared by the loop's connections: a read is fully processed before the next one. */
    private final ByteBuffer readBuffer = ByteBuffer.allocate(16 * 1024);
    private final long sweepNanos;
    private final Consumer<String> log;
    /** Made once: {@code this::ready} at each select would be an allocation per wake-up. */
    private final java.util.function.Consumer<SelectionKey> onReady = this::ready;
    private long timerOrder;
    private long nextSweep;
    private final boolean busyPoll;
    /** Polls done before sleeping, for tests (written by the loop's thread only). */
    private volatile long polls;
    private EventLoop[] siblings = {this};
    /** System.nanoTime of this loop's last ready key; read by the other loops. */
    private volatile long lastActive;
    private volatile boolean stopping;
    private volatile boolean ended;

    /** @param sweepEvery how often {@link Served#sweep} runs; zero for never */
    public EventLoop(String name, Duration sweepEvery, boolean busyPoll, Consumer<String> log) throws IOException {
        this.selector = Selector.open();
        this.busyPoll = busyPoll;
        this.log = log;
        this.sweepNanos = sweepEvery.isZero() ? Long.MAX_VALUE : sweepEvery.toNanos();
        this.thread = Thread.ofPlatform().daemon().name(name).unstarted(this);
        this.lastActive = System.nanoTime() - 1000 * BUSY_WINDOW_NANOS;
    }

    public long polls() {
        return polls;
    }

    /** All loops of the server, this one included; before {@link #start()}. */
    public void siblings(EventLoop[] all) {
        this.siblings = all.clone();
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

    public ByteBuffer readBuffer() {
        return readBuffer;
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
            boolean busy = false;
            while (!stopping) {
                long wait = nextWakeup() - System.nanoTime();
                int found;
                if (wait <= 0) {
                    found = selector.selectNow(onReady);
                } else {
                    found = busy ? spin(Math.min(wait, SPIN_NANOS)) : 0;
                    // The spin's selectNow() consumed any wakeup() that came with a task or a
                    // shutdown: blocking now would sleep on them.
                    if (found == 0 && tasks.isEmpty() && !stopping) {
                        found = selector.select(onReady, Math.max(1, (wait + 999_999) / 1_000_000));
                    }
                }
                busy = found > 0 && mayPoll();
                runTasks();
                runTimers();
                sweep();
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

    /** Just after traffic: whether to poll before sleeping (see SPIN_NANOS). */
    private boolean mayPoll() {
        long now = System.nanoTime();
        lastActive = now;
        if (!busyPoll || !SPARE_CORE || connections.size() > SPIN_MAX_CONNECTIONS) {
            return false;
        }
        for (EventLoop other : siblings) {
            if (other != this && now - other.lastActive < BUSY_WINDOW_NANOS) {
                return false;
            }
        }
        return true;
    }

    /** Polls without sleeping for up to {@code nanos}; the number of keys that were ready. */
    private int spin(long nanos) throws IOException {
        polls++; // single writer
        long end = System.nanoTime() + nanos;
        do {
            int found = selector.selectNow(onReady);
            if (found > 0 || !tasks.isEmpty() || stopping) {
                return found;
            }
        } while (System.nanoTime() - end < 0);
        return 0;
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

    private void runTimers() {
        long now = System.nanoTime();
        for (Timer t; (t = timers.peek()) != null && t.due() - now <= 0; ) {
            timers.poll();
            try {
                t.task().run();
            } catch (Throwable e) {
                log.accept("timer on " + thread.getName() + " failed: " + e);
            }
        }
    }

    private void sweep() {
        long now = System.nanoTime();
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
