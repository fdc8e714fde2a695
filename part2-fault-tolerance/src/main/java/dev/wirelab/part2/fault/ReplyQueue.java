package dev.wirelab.part2.fault;

import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The replies one connection (or one direction of a proxied pair) owes, each with the moment it
 * is due (System.nanoTime), in the order they were decided: pipelined requests are each answered
 * DELAY after they arrived, not one DELAY after another, and with jitter a reply waits for the
 * one before it rather than overtaking it. The queue also carries resets (the connection is
 * aborted once the replies before have left), stalls (nothing at all leaves before a moment) and
 * replies held back until the next one has left (reorder; at most {@link #MAX_HOLD_NANOS}, and
 * not past the end of the input).
 *
 * <p>Bounded: what it holds is counted in bytes of heap (payload plus {@link #ITEM_OVERHEAD_BYTES}
 * per reply), against its own limit and, optionally, a {@link Budget} that many queues share;
 * {@link #full()} tells the reader to read no more until replies have left. Pure: no I/O, no
 * threads, no clock of its own (the caller passes {@code now}); one thread uses it.
 */
public final class ReplyQueue {

    /**
     * What a queued reply costs beyond its payload: the queue entry, the record, the array header
     * and its callback. Counted so a flood of one-byte replies is bounded by memory, not by payload
     * bytes (which would let 1 MB of payload cost some 200 MB of heap).
     */
    public static final int ITEM_OVERHEAD_BYTES = 64;
    /** A reply held back for reordering goes out after at most this long, even if no next reply comes. */
    public static final long MAX_HOLD_NANOS = 1_000_000_000L;

    /** Bytes many queues may hold together (a proxy's replies over all its connections); safe from any thread. */
    public static final class Budget {
        private final long max;
        private final AtomicLong used = new AtomicLong();

        public Budget(long maxBytes) {
            this.max = maxBytes;
        }

        public long used() {
            return used.get();
        }

        public long max() {
            return max;
        }

        public boolean exhausted() {
            return used.get() >= max;
        }

        /** {@code bytes} more in use (negative: given back). */
        public void add(long bytes) {
            used.addAndGet(bytes);
        }
    }

    /** What leaves the queue: {@link Send} bytes, or abort the connection. */
    public sealed interface Item permits Send, Reset {
        long due();
    }

    /** {@code copies} copies of {@code bytes}; {@code afterWrite} (may be null) runs once they left. */
    public record Send(long due, byte[] bytes, int copies, Runnable afterWrite) implements Item {
    }

    public record Reset(long due) implements Item {
    }

    /** Heap a queued reply of {@code copies} copies of {@code len} bytes is counted as. */
    public static long heapBytes(int len, int copies) {
        return (long) len * copies + ITEM_OVERHEAD_BYTES;
    }

    private final long maxBytes;
    private final Budget shared;
    private final ArrayDeque<Item> pending = new ArrayDeque<>();
    /** Replies held back by the reorder fault, waiting for the next reply. */
    private final ArrayDeque<Send> held = new ArrayDeque<>();
    /** When the first held reply must go out even if no next one came. */
    private long heldUntil;
    private long stallUntil;
    private boolean stalled;
    private long bytes;

    /** @param shared a budget shared with other queues, or null */
    public ReplyQueue(long maxBytes, Budget shared) {
        this.maxBytes = maxBytes;
        this.shared = shared;
    }

    /**
     * Queues {@code copies} copies of {@code b[off, off+len)} (copied) due at {@code due}. With
     * {@code holdForNext} it waits until the next reply has been queued, and goes out after it.
     */
    public void send(byte[] b, int off, int len, int copies, long due, boolean holdForNext, Runnable afterWrite, long now) {
        Send s = new Send(due, Arrays.copyOfRange(b, off, off + len), copies, afterWrite);
        count(heapBytes(len, copies));
        if (holdForNext) {
            if (held.isEmpty()) {
                heldUntil = now + MAX_HOLD_NANOS;
            }
            held.add(s);
            return;
        }
        pending.add(s);
        releaseHeld(); // the next reply went first: what was held back follows it
    }

    /** Aborts the connection at {@code due}, once the replies queued before it have left. */
    public void reset(long due) {
        releaseHeld();
        pending.add(new Reset(due));
    }

    /** Nothing at all leaves before {@code until}. */
    public void stall(long until) {
        if (!stalled || until - stallUntil > 0) {
            stallUntil = until;
            stalled = true;
        }
    }

    /** The input ended: nothing will come after the replies held back, so they follow at once. */
    public void endOfInput() {
        releaseHeld();
    }

    /** True when a reply due now may skip the queue: nothing queued, held or stalled. */
    public boolean direct() {
        return pending.isEmpty() && held.isEmpty() && !stalled;
    }

    /** The next item due at {@code now}, taken off the queue (its bytes no longer counted); null if none. */
    public Item poll(long now) {
        if (stalled) {
            if (stallUntil - now > 0) {
                return null;
            }
            stalled = false;
        }
        if (!held.isEmpty() && heldUntil - now <= 0) {
            releaseHeld(); // no next reply came in time
        }
        Item head = pending.peek();
        if (head == null || head.due() - now > 0) {
            return null;
        }
        pending.poll();
        if (head instanceof Send s) {
            count(-heapBytes(s.bytes().length, s.copies()));
        }
        return head;
    }

    /** True when something is queued or held, and {@link #nextWake} tells when to look again. */
    public boolean waiting() {
        return !pending.isEmpty() || !held.isEmpty() || stalled;
    }

    /** When something may next leave (only meaningful while {@link #waiting()}). */
    public long nextWake(long now) {
        long at = Long.MAX_VALUE;
        boolean any = false;
        if (stalled && stallUntil - now > 0) {
            return stallUntil;
        }
        Item head = pending.peek();
        if (head != null) {
            at = head.due();
            any = true;
        }
        if (!held.isEmpty() && (!any || heldUntil - at < 0)) {
            at = heldUntil;
            any = true;
        }
        return any ? at : now;
    }

    /**
     * When the last queued reply leaves, or {@code now} if none is queued. With jitter the queue
     * is not sorted by due time (replies keep their order): the latest due time counts.
     */
    public long lastDue(long now) {
        long last = stalled && stallUntil - now > 0 ? stallUntil : now;
        for (Item i : pending) {
            if (i.due() - last > 0) {
                last = i.due();
            }
        }
        if (!held.isEmpty() && heldUntil - last > 0) {
            last = heldUntil;
        }
        return last;
    }

    /** Over its own limit or the shared budget: the reader should read no more for now. */
    public boolean full() {
        return bytes >= maxBytes || (shared != null && shared.exhausted());
    }

    /** Over its own limit (the shared budget aside). */
    public boolean overOwnLimit() {
        return bytes >= maxBytes;
    }

    /** Replies queued or held. */
    public boolean isEmpty() {
        return pending.isEmpty() && held.isEmpty();
    }

    /** Bytes of heap counted for what is queued and held. */
    public long bytes() {
        return bytes;
    }

    /** The connection closed: everything is dropped, and the shared budget given back. */
    public void clear() {
        pending.clear();
        held.clear();
        stalled = false;
        count(-bytes);
    }

    private void releaseHeld() {
        for (Send s; (s = held.poll()) != null; ) {
            pending.add(s);
        }
    }

    private void count(long delta) {
        bytes += delta;
        if (shared != null && delta != 0) {
            shared.add(delta);
        }
    }
}
