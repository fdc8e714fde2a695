package dev.wirelab.part2;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The sending side of one {@link EchoConnection}, on its event loop: an output buffer written
 * once per read (the fast path of a plain echo), and a queue of replies with the moment each is
 * due, released by a timer of the loop. Replies keep their order: pipelined requests are each
 * answered DELAY after they arrived, not one DELAY after another. The queue also carries resets,
 * stalls (nothing leaves before a moment) and replies held back until the next one (reorder).
 *
 * <p>Bounded: at most {@link #MAX_PENDING_BYTES} queued and {@link #MAX_UNSENT_BYTES} unsent;
 * past those the connection stops reading ({@link #full()}), and TCP pushes back on the client.
 */
final class Outbound implements ReplySink {

    static final int MAX_PENDING_BYTES = 1 << 20;
    static final int MAX_UNSENT_BYTES = 256 * 1024;
    /** A reply held back for reordering goes out after at most this long, even if no next reply comes. */
    static final long REORDER_MAX_HOLD_NANOS = 1_000_000_000L;

    /** What the connection does for its outbound. */
    interface Host {
        /** The connection must close: a reset came due ({@code rst}), or a write failed. */
        void close(String why, boolean rst);

        /** The unsent bytes or the queue changed: the connection updates its interest ops. */
        void interest();
    }

    private sealed interface Item permits Send, Reset {
        long due();
    }

    private record Send(long due, byte[] bytes, int copies, Runnable afterWrite) implements Item {
    }

    private record Reset(long due) implements Item {
    }

    private final SocketChannel channel;
    private final EventLoop loop;
    private final Host host;
    private byte[] out = new byte[0];
    private int outStart;
    private int outEnd;
    private final ArrayDeque<Item> pending = new ArrayDeque<>();
    /** Replies held back by the reorder fault, waiting for the next reply. */
    private final ArrayDeque<Send> held = new ArrayDeque<>();
    private long pendingBytes;
    private long stallUntil;
    private boolean timerSet;
    private Runnable whenDrained;
    private List<Runnable> written;
    private boolean closed;

    Outbound(SocketChannel channel, EventLoop loop, Host host) {
        this.channel = channel;
        this.loop = loop;
        this.host = host;
    }

    /** True when a reply due now may skip the queue: nothing queued, held or stalled. */
    boolean direct() {
        return pending.isEmpty() && held.isEmpty() && stallUntil == 0;
    }

    /** The fast path: appends a reply due now (only when {@link #direct()}); {@code afterWrite} may be null. */
    void append(byte[] b, int off, int len, Runnable afterWrite) {
        put(b, off, len);
        if (afterWrite != null) {
            (written == null ? written = new ArrayList<>(4) : written).add(afterWrite);
        }
    }

    @Override
    public void send(byte[] b, int off, int len, int copies, long due, boolean holdForNext, Runnable afterWrite) {
        Send s = new Send(due, Arrays.copyOfRange(b, off, off + len), copies, afterWrite);
        pendingBytes += ReplySink.heapBytes(len, copies);
        if (holdForNext) {
            held.add(s);
            loop.schedule(System.nanoTime() + REORDER_MAX_HOLD_NANOS, this::releaseHeld);
            return;
        }
        pending.add(s);
        releaseHeld(); // the next reply went first: what was held back follows it
    }

    @Override
    public void reset(long due) {
        releaseHeld();
        pending.add(new Reset(due));
    }

    @Override
    public void stall(long until) {
        if (stallUntil == 0 || until - stallUntil > 0) {
            stallUntil = until;
        }
    }

    private void releaseHeld() {
        for (Send s; (s = held.poll()) != null; ) {
            pending.add(s);
        }
    }

    /** What the socket has not taken yet plus what is queued: whether reading more would overfill. */
    boolean full() {
        return outEnd - outStart >= MAX_UNSENT_BYTES || pendingBytes >= MAX_PENDING_BYTES;
    }

    boolean unsent() {
        return outEnd > outStart;
    }

    /** Nothing unsent, queued or held. */
    boolean empty() {
        return outStart == outEnd && pending.isEmpty() && held.isEmpty();
    }

    boolean queued() {
        return !pending.isEmpty() || !held.isEmpty();
    }

    /** Runs {@code r} once everything owed has left (at once if nothing is owed). */
    void whenDrained(Runnable r) {
        this.whenDrained = r;
    }

    boolean drainPending() {
        return whenDrained != null;
    }

    /**
     * When the last queued reply leaves, or {@code now} if none is queued. With jitter the queue
     * is not sorted by due time (replies keep their order, so one waits for the one before it):
     * the latest due time is the one that counts.
     */
    long lastDue(long now) {
        long last = stallUntil != 0 && stallUntil - now > 0 ? stallUntil : now;
        for (Item i : pending) {
            if (i.due() - last > 0) {
                last = i.due();
            }
        }
        if (!held.isEmpty() && now + REORDER_MAX_HOLD_NANOS - last > 0) {
            last = now + REORDER_MAX_HOLD_NANOS;
        }
        return last;
    }

    /** Moves the replies that are due into the output, writes, and arms a timer for the next one. */
    void release() {
        if (closed) {
            return;
        }
        long now = System.nanoTime();
        boolean stalled = stallUntil != 0 && stallUntil - now > 0;
        if (!stalled) {
            stallUntil = 0;
            for (Item head; (head = pending.peek()) != null && head.due() - now <= 0; ) {
                pending.poll();
                switch (head) {
                    case Send s -> {
                        for (int i = 0; i < s.copies(); i++) {
                            put(s.bytes(), 0, s.bytes().length);
                        }
                        pendingBytes -= ReplySink.heapBytes(s.bytes().length, s.copies());
                        if (s.afterWrite() != null) {
                            (written == null ? written = new ArrayList<>(4) : written).add(s.afterWrite());
                        }
                    }
                    case Reset r -> {
                        flush();
                        host.close("reset sent", true);
                        return;
                    }
                }
            }
        }
        flush();
        if (closed) {
            return;
        }
        Item head = pending.peek();
        long next = stalled ? stallUntil : head != null ? head.due() : 0;
        if ((stalled || head != null) && !timerSet) {
            timerSet = true;
            loop.schedule(next, () -> {
                timerSet = false;
                release();
            });
        }
    }

    /** Writes what the socket takes now (the rest waits for OP_WRITE), then closes if that was owed. */
    void flush() {
        write();
        if (!closed && empty() && whenDrained != null) {
            Runnable r = whenDrained;
            whenDrained = null;
            r.run();
        }
    }

    private void write() {
        if (closed) {
            return;
        }
        if (outEnd > outStart) {
            try {
                outStart += channel.write(ByteBuffer.wrap(out, outStart, outEnd - outStart));
            } catch (IOException e) {
                host.close("write failed: " + e.getMessage(), false);
                return;
            }
        }
        if (outStart == outEnd) {
            outStart = outEnd = 0;
            if (out.length > 64 * 1024) {
                out = new byte[0]; // a burst passed; don't keep its buffer for the connection's life
            }
        }
        if (written != null && !written.isEmpty()) {
            List<Runnable> w = written;
            written = null;
            w.forEach(Runnable::run);
        }
        host.interest();
    }

    private void put(byte[] b, int off, int len) {
        if (outEnd + len > out.length) {
            if (outStart > 0) {
                System.arraycopy(out, outStart, out, 0, outEnd - outStart);
                outEnd -= outStart;
                outStart = 0;
            }
            if (outEnd + len > out.length) {
                out = Arrays.copyOf(out, Math.max(outEnd + len, Math.max(256, out.length * 2)));
            }
        }
        System.arraycopy(b, off, out, outEnd, len);
        outEnd += len;
    }

    /** The connection closed: nothing more is sent. */
    void closed() {
        closed = true;
        pending.clear();
        held.clear();
        pendingBytes = 0;
    }
}
