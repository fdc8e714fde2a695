package dev.wirelab.part2;

import java.io.IOException;
import java.io.OutputStream;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The sending side of one direction of a {@link FaultProxy} connection, on blocking streams.
 *
 * <p>Without delay, replies are batched and written by the reader itself once per read: the fast
 * path of a plain echo server. With delay, each reply carries the moment it is due (its request's
 * arrival plus the delay) and one writer thread per connection sends them in order, each at its
 * due time: pipelined requests are answered DELAY after each arrived rather than one DELAY after
 * another, like latency on a real network, and replies keep their order. The bytes waiting in the
 * queue are bounded twice: by {@link #MAX_PENDING_BYTES} for this direction, and by a budget the
 * whole proxy shares (so a thousand clients that never read cannot each hold their full share).
 * Past either the reader waits, which stops it reading and lets TCP push back on the sender.
 */
final class ReplyChannel implements ReplySink {

    static final int MAX_PENDING_BYTES = 256 * 1024;
    private static final int BATCH_FLUSH_BYTES = 32 * 1024;

    private sealed interface Item permits Send, Reset, Finish, Stall {
    }

    private record Stall(long until) implements Item {
    }

    private record Send(long due, byte[] bytes, int copies, int permits, Runnable afterWrite) implements Item {
    }

    private record Reset(long due) implements Item {
    }

    private record Finish(Runnable then) implements Item {
    }

    private final OutputStream out;
    private final boolean delayed;
    private final Consumer<IOException> onWriteFailure;
    private final Runnable onReset;

    // Inline mode: the batch of replies to write at the end of the current read.
    private byte[] batch = new byte[0];
    private int batchLength;

    // Delayed mode.
    private final LinkedBlockingQueue<Item> queue;
    /** Units held back by the reorder fault until the next one; only the reader touches it. */
    private final java.util.ArrayDeque<Send> held = new java.util.ArrayDeque<>();
    private final Semaphore budget;
    private final Thread writer;
    private volatile boolean stopped;
    private final WriterCount writers;
    /** The proxy-wide budget (may be null), and how many of its permits this channel holds. */
    private final Semaphore shared;
    private int sharedHeld;
    private boolean sharedClosed;
    /** System.nanoTime when the writer started its current write, 0 between writes. */
    private volatile long writingSince;

    /** Live writer threads of one proxy, so a leak is visible (and testable) without walking threads. */
    static final class WriterCount {
        private int live;

        synchronized void started() {
            live++;
        }

        synchronized void ended() {
            live--;
            notifyAll();
        }

        synchronized int live() {
            return live;
        }

        /** Waits until at most {@code n} writers are live; false if that did not happen in time. */
        synchronized boolean awaitAtMost(int n, java.time.Duration timeout) throws InterruptedException {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (live > n) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                wait(Math.max(1, left / 1_000_000));
            }
            return true;
        }
    }

    /**
     * @param onWriteFailure called (from the writer thread) when a delayed write fails
     * @param onReset        aborts the connection; called when a reset fault comes due
     */
    ReplyChannel(OutputStream out, boolean delayed, String name, Consumer<IOException> onWriteFailure, Runnable onReset) {
        this(out, delayed, name, onWriteFailure, onReset, null, null);
    }

    /**
     * @param writers counts live writer threads (started here, ended by the writer itself); may be null
     * @param shared  the budget of queued bytes all channels of the proxy share; may be null
     */
    ReplyChannel(OutputStream out, boolean delayed, String name, Consumer<IOException> onWriteFailure, Runnable onReset,
                 WriterCount writers, Semaphore shared) {
        this.out = out;
        this.writers = writers;
        this.shared = shared;
        this.delayed = delayed;
        this.onWriteFailure = onWriteFailure;
        this.onReset = onReset;
        if (delayed) {
            queue = new LinkedBlockingQueue<>();
            budget = new Semaphore(MAX_PENDING_BYTES);
            if (writers != null) {
                writers.started();
            }
            writer = Thread.ofVirtual().name(name).start(this::writeLoop);
        } else {
            queue = null;
            budget = null;
            writer = null;
        }
    }

    /** Queues {@code copies} copies of a reply (a slice of {@code bytes}) to leave at {@code due} (System.nanoTime). */
    void send(byte[] bytes, int off, int len, int copies, long due) throws IOException {
        send(bytes, off, len, copies, due, null);
    }

    @Override
    public void send(byte[] bytes, int copies, long due) throws IOException {
        send(bytes, 0, bytes.length, copies, due, null);
    }

    void send(byte[] bytes, int off, int len, int copies, long due, Runnable afterWrite) throws IOException {
        send(bytes, off, len, copies, due, false, afterWrite);
    }

    /** As {@link #send(byte[], int, int, int, long)}; {@code afterWrite} runs once a delayed reply has left. */
    @Override
    public void send(byte[] bytes, int off, int len, int copies, long due, boolean holdForNext, Runnable afterWrite)
            throws IOException {
        byte[] copy = (off == 0 && len == bytes.length) ? bytes : Arrays.copyOfRange(bytes, off, off + len);
        if (holdForNext) {
            // Reorder: this unit goes out after the next one (or at the end of the stream).
            if (delayed) {
                int permits = (int) Math.min(MAX_PENDING_BYTES, ReplySink.heapBytes(len, copies));
                acquire(permits);
                held.add(new Send(due, copy, copies, permits, afterWrite));
            } else {
                held.add(new Send(due, copy, copies, 0, afterWrite));
            }
            return;
        }
        if (!delayed) {
            for (int i = 0; i < copies; i++) {
                append(copy, 0, len);
            }
            releaseHeldInline();
            if (batchLength >= BATCH_FLUSH_BYTES) {
                flush();
            }
            return;
        }
        int permits = (int) Math.min(MAX_PENDING_BYTES, ReplySink.heapBytes(len, copies));
        acquire(permits);
        queue.add(new Send(due, copy, copies, permits, afterWrite));
        releaseHeldQueued();
    }

    private void releaseHeldInline() {
        for (Send s; (s = held.poll()) != null; ) {
            for (int i = 0; i < s.copies(); i++) {
                append(s.bytes(), 0, s.bytes().length);
            }
        }
    }

    private void releaseHeldQueued() {
        for (Send s; (s = held.poll()) != null; ) {
            queue.add(s);
        }
    }

    @Override
    public void stall(long until) throws IOException {
        if (delayed) {
            queue.add(new Stall(until));
            return;
        }
        flush();
        try {
            waitUntil(until); // this direction's reader: nothing more goes this way meanwhile
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while stalled");
        }
    }


    /** Aborts the connection at {@code due}, after the replies queued before it. */
    @Override
    public void reset(long due) throws IOException {
        held.clear();
        if (!delayed) {
            flush();
            onReset.run();
            return;
        }
        queue.add(new Reset(due));
    }

    /** Writes the batched replies (inline mode); a no-op with delay, where the writer sends. */
    void flush() throws IOException {
        if (batchLength > 0) {
            int n = batchLength;
            batchLength = 0;
            out.write(batch, 0, n);
            if (batch.length > 4 * BATCH_FLUSH_BYTES) {
                batch = new byte[0]; // don't keep a burst's buffer for the connection's life
            }
        }
    }

    /** Runs {@code then} once every reply queued so far has been sent. */
    void finish(Runnable then) throws IOException {
        if (!delayed) {
            releaseHeldInline();
            flush();
            then.run();
            return;
        }
        releaseHeldQueued();
        queue.add(new Finish(then));
    }

    /** Stops the writer and discards what is still queued; the connection is closing. */
    void stop() {
        stopped = true;
        releaseShared();
        if (writer != null && writer != Thread.currentThread()) {
            writer.interrupt();
        }
    }

    /** How long the writer has been stuck in one write (a peer that does not read), 0 if it is not writing. */
    long stuckNanos(long now) {
        long since = writingSince;
        return since == 0 ? 0 : now - since;
    }

    /** Bytes of the pending budget in use (payload plus a fixed cost per queued reply). */
    int pendingBudgetUsed() {
        return budget == null ? 0 : MAX_PENDING_BYTES - budget.availablePermits();
    }

    private void append(byte[] bytes, int off, int len) {
        if (batchLength + len > batch.length) {
            batch = Arrays.copyOf(batch, Math.max(batchLength + len, Math.max(256, batch.length * 2)));
        }
        System.arraycopy(bytes, off, batch, batchLength, len);
        batchLength += len;
    }

    private void acquire(int permits) throws IOException {
        acquire(budget, permits);
        if (shared != null) {
            try {
                acquire(shared, permits);
            } catch (IOException e) {
                budget.release(permits);
                throw e;
            }
            synchronized (this) {
                if (sharedClosed) {
                    shared.release(permits);
                    budget.release(permits);
                    throw new IOException("connection closed while replies were waiting");
                }
                sharedHeld += permits;
            }
        }
    }

    private void acquire(Semaphore s, int permits) throws IOException {
        try {
            while (!s.tryAcquire(permits, 100, TimeUnit.MILLISECONDS)) {
                if (stopped) {
                    throw new IOException("connection closed while replies were waiting");
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while replies were waiting");
        }
    }

    /** Gives back one sent reply's share of the proxy-wide budget. */
    private synchronized void releaseShared(int permits) {
        if (shared != null && sharedHeld >= permits) {
            sharedHeld -= permits;
            shared.release(permits);
        }
    }

    /** Gives back everything this channel holds of the proxy-wide budget: it sends no more. */
    private synchronized void releaseShared() {
        sharedClosed = true;
        if (shared != null && sharedHeld > 0) {
            shared.release(sharedHeld);
            sharedHeld = 0;
        }
    }

    private void writeLoop() {
        try {
            while (!stopped) {
                Item item = queue.take();
                switch (item) {
                    case Send s -> {
                        waitUntil(s.due());
                        writingSince = System.nanoTime() | 1; // never 0, which means "not writing"
                        for (int i = 0; i < s.copies() && !stopped; i++) {
                            out.write(s.bytes());
                        }
                        writingSince = 0;
                        budget.release(s.permits());
                        releaseShared(s.permits());
                        if (s.afterWrite() != null) {
                            s.afterWrite().run();
                        }
                    }
                    case Reset r -> {
                        waitUntil(r.due());
                        onReset.run();
                        return;
                    }
                    case Stall st -> waitUntil(st.until());
                    case Finish f -> {
                        f.then().run();
                        return;
                    }
                }
            }
        } catch (InterruptedException e) {
            // stop(): the connection is closing, nothing more to send
        } catch (IOException e) {
            if (!stopped) {
                onWriteFailure.accept(e);
            }
        } finally {
            releaseShared();
            if (writers != null) {
                writers.ended();
            }
        }
    }

    private static void waitUntil(long due) throws InterruptedException {
        long wait = due - System.nanoTime();
        if (wait > 0) {
            Thread.sleep(Duration.ofNanos(wait));
        }
    }
}
