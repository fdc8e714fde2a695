package dev.wirelab.part2.server;

import dev.wirelab.part2.fault.ReplyQueue;
import dev.wirelab.part2.fault.ReplySink;

import java.io.IOException;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The sending side of one socket on its {@link EventLoop}, for the echo server's connections and
 * both directions of the proxy's pairs alike: an output buffer that a reply due now is appended
 * to (the fast path of a plain echo: no allocation, no queue), and a {@link ReplyQueue} for the
 * replies that are not due yet, released by a timer of the loop. It is the {@link ReplySink}
 * faults are applied to.
 *
 * <p>Bounded: the queue by its byte limit, the output buffer by its own, and both together by a
 * shared budget if there is one (the proxy's, over all its pairs); past those {@link #full()}
 * says to read no more, and TCP pushes back on the sender. Loop thread only, except
 * {@link #stuckNanos}.
 */
public final class Outbound implements ReplySink {


    /** What the owner of the socket does for its outbound. */
    public interface Host {
        /** The connection must close: a reset came due ({@code rst}, why is "reset sent"), or a write failed. */
        void close(String why, boolean rst);

        /** The unsent bytes or the queue changed: the owner updates its interest ops. */
        void interest();
    }

    private final SocketChannel channel;
    private final EventLoop loop;
    private final Host host;
    private final ReplyQueue queue;
    private final int maxUnsent;
    /** Also counts the unsent bytes, so a peer that does not read holds its share of it; may be null. */
    private final ReplyQueue.Budget shared;
    /** What this outbound may hold whatever the others hold (see the constructor). */
    private final int reserve;
    private byte[] out = new byte[0];
    private int outStart;
    private int outEnd;
    /**
     * The unsent bytes this outbound has charged to {@link #shared}: charged after each write
     * rather than per reply, so a reply the socket takes at once never touches the shared
     * counter (two contended atomic adds per echo between the loops' cores otherwise).
     */
    private int charged;
    /** When the armed timer fires (System.nanoTime), valid while {@link #timerSet}. */
    private long timerAt;
    private boolean timerSet;
    private Runnable whenDrained;
    private List<Runnable> written;
    private boolean closed;
    /** Bytes per write at most (the slice fault), 0 for as much as the socket takes. */
    private int slice;
    /** System.nanoTime since when the socket has not taken all that is unsent, 0 while it keeps up. */
    private volatile long blockedSince;
    /** Made once: a lambda per release would be an allocation per delayed reply. */
    private final Runnable onTimer = () -> {
        timerSet = false;
        release();
    };

    /**
     * @param maxQueuedBytes what the queue of replies not yet due may hold (heap bytes)
     * @param maxUnsent      unsent bytes past which the owner should read no more
     * @param shared         a budget shared with other outbounds (queued and unsent bytes), or null
     */
    public Outbound(SocketChannel channel, EventLoop loop, Host host, long maxQueuedBytes, int maxUnsent,
                    ReplyQueue.Budget shared) {
        this(channel, loop, host, maxQueuedBytes, maxUnsent, shared, 0);
    }

    /**
     * As above; once {@code shared} is used up, only an outbound holding {@code reserve} bytes or
     * more is full, so the clients that read their replies are not held up by the ones that do not
     * (the echo server). With 0 every outbound is full then (the proxy, which sheds a non-reader
     * to make room instead).
     */
    public Outbound(SocketChannel channel, EventLoop loop, Host host, long maxQueuedBytes, int maxUnsent,
                    ReplyQueue.Budget shared, int reserve) {
        this.reserve = reserve;
        this.channel = channel;
        this.loop = loop;
        this.host = host;
        this.queue = new ReplyQueue(maxQueuedBytes, shared);
        this.maxUnsent = maxUnsent;
        this.shared = shared;
    }

    public void slice(int bytes) {
        this.slice = bytes;
    }

    /** True when a reply due now may skip the queue: nothing queued, held or stalled. */
    public boolean direct() {
        return queue.direct();
    }

    /** The fast path: appends a reply due now (only when {@link #direct()}); {@code afterWrite} may be null. */
    public void append(byte[] b, int off, int len, Runnable afterWrite) {
        put(b, off, len);
        if (afterWrite != null) {
            (written == null ? written = new ArrayList<>(4) : written).add(afterWrite);
        }
    }

    @Override
    public void send(byte[] b, int off, int len, int copies, long due, boolean holdForNext, Runnable afterWrite) {
        if (!holdForNext && queue.direct() && due - System.nanoTime() <= 0) {
            for (int i = 0; i < copies; i++) {
                append(b, off, len, i == copies - 1 ? afterWrite : null);
            }
            return;
        }
        queue.send(b, off, len, copies, due, holdForNext, afterWrite, System.nanoTime());
    }

    @Override
    public void reset(long due) {
        if (queue.direct() && due - System.nanoTime() <= 0) {
            // Now, not after the rest of this read: what follows the reset never arrived.
            flush();
            if (!closed) {
                host.close("reset sent", true);
            }
            return;
        }
        queue.reset(due);
    }

    @Override
    public void stall(long until) {
        queue.stall(until);
    }

    /** The input ended: replies held back for reordering have no next one to wait for. */
    public void endOfInput() {
        queue.endOfInput();
    }

    /** What the socket has not taken yet plus what is queued: whether reading more would overfill. */
    public boolean full() {
        int unsent = outEnd - outStart;
        return unsent >= maxUnsent || queue.overOwnLimit()
                || (shared != null && shared.exhausted() && unsent + queue.bytes() >= reserve);
    }

    public boolean unsent() {
        return outEnd > outStart;
    }

    /** Nothing unsent, queued or held. */
    public boolean empty() {
        return outStart == outEnd && queue.isEmpty();
    }

    public boolean queued() {
        return !queue.isEmpty();
    }

    /** Heap bytes of the replies not yet due. */
    public long queuedBytes() {
        return queue.bytes();
    }

    /** Runs {@code r} once everything owed has left (at once if nothing is owed, on the next flush). */
    public void whenDrained(Runnable r) {
        this.whenDrained = r;
    }

    public boolean drainPending() {
        return whenDrained != null;
    }

    /** When the last queued reply leaves, or {@code now} if none is queued. */
    public long lastDue(long now) {
        return queue.lastDue(now);
    }

    /** How long the peer has not been taking what is sent (a client that does not read), 0 if it keeps up. Any thread. */
    public long stuckNanos(long now) {
        long since = blockedSince;
        return since == 0 ? 0 : now - since;
    }

    /** Moves the replies that are due into the output, writes, and arms a timer for the next one. */
    public void release() {
        if (closed) {
            return;
        }
        if (!queue.waiting()) {
            flush(); // the plain echo: nothing queued, so no clock to read
            return;
        }
        long now = System.nanoTime();
        for (ReplyQueue.Item item; (item = queue.poll(now)) != null; ) {
            switch (item) {
                case ReplyQueue.Send s -> {
                    for (int i = 0; i < s.copies(); i++) {
                        put(s.bytes(), 0, s.bytes().length);
                    }
                    if (s.afterWrite() != null) {
                        (written == null ? written = new ArrayList<>(4) : written).add(s.afterWrite());
                    }
                }
                case ReplyQueue.Reset r -> {
                    flush();
                    if (!closed) {
                        host.close("reset sent", true);
                    }
                    return;
                }
            }
        }
        flush();
        if (closed || !queue.waiting()) {
            return;
        }
        long next = queue.nextWake(now);
        if (!timerSet || next - timerAt < 0) {
            // An earlier timer than the one armed: the later one then finds nothing new, harmlessly.
            timerSet = true;
            timerAt = next;
            loop.schedule(next, onTimer);
        }
    }

    /** Writes what the socket takes now (the rest waits for OP_WRITE), then runs what waited for the drain. */
    public void flush() {
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
                if (slice <= 0) {
                    outStart += loop.write(channel, out, outStart, outEnd - outStart);
                } else {
                    // One system call, so with TCP_NODELAY one segment, per piece (a piece over the
                    // loop's 64 KiB write chunk takes more calls, but is over a loopback segment anyway).
                    for (int n = slice; n == slice && outEnd > outStart; ) {
                        n = loop.write(channel, out, outStart, Math.min(slice, outEnd - outStart));
                        outStart += n;
                    }
                }
            } catch (IOException e) {
                host.close("write failed: " + e.getMessage(), false);
                return;
            } finally {
                charge();
            }
        }
        if (outStart == outEnd) {
            outStart = outEnd = 0;
            if (blockedSince != 0) {
                blockedSince = 0;
            }
            if (out.length > 64 * 1024) {
                out = new byte[0]; // a burst passed; don't keep its buffer for the connection's life
            }
        } else if (blockedSince == 0) {
            blockedSince = System.nanoTime() | 1; // never 0, which means "keeping up"
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

    /** Brings the charge to the shared budget up to date with what is unsent now. */
    private void charge() {
        int unsent = outEnd - outStart;
        if (shared != null && unsent != charged) {
            shared.add(unsent - charged);
            charged = unsent;
        }
    }

    /** The connection closed: nothing more is sent, and the queue's budget is given back. */
    public void closed() {
        closed = true;
        queue.clear();
        outStart = outEnd = 0;
        charge();
        blockedSince = 0;
    }
}
