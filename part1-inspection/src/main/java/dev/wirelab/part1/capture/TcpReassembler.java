package dev.wirelab.part1.capture;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * One direction of a TCP connection put back in order by sequence number, as Wireshark's
 * reassembly does: a retransmitted segment adds only the bytes not seen yet (the first copy of a
 * byte wins), a segment that arrives early waits until the bytes before it came, and bytes that
 * never come are reported as a {@link Gap} so that the rest can still be read. Pure: no I/O, no
 * clock; what it holds back is bounded by {@code maxHeld} bytes.
 */
public final class TcpReassembler {

    /** What the stream delivers, in stream order. */
    public sealed interface Piece permits Data, Gap {
    }

    /**
     * In-order bytes: {@code offset} counts from the first byte of the stream (0), {@code frame}
     * is the number of the packet that carried them (the first copy, for retransmitted bytes).
     */
    public record Data(long offset, byte[] bytes, int frame) implements Piece {
    }

    /** {@code length} bytes from {@code offset} on were never captured. */
    public record Gap(long offset, long length) implements Piece {
    }

    /** Bytes held back while waiting for a gap to fill, at most, by default. */
    public static final int DEFAULT_MAX_HELD = 1 << 20;

    private final int maxHeld;
    private final TreeMap<Long, Held> held = new TreeMap<>();
    private long isn = -1;
    private long next;
    private long heldBytes;

    private record Held(byte[] bytes, int frame) {
    }

    public TcpReassembler() {
        this(DEFAULT_MAX_HELD);
    }

    public TcpReassembler(int maxHeld) {
        if (maxHeld < 1) {
            throw new IllegalArgumentException("maxHeld must be positive, got " + maxHeld);
        }
        this.maxHeld = maxHeld;
    }

    /**
     * The SYN's sequence number: the stream's first byte is the one after it. Without a SYN the
     * first segment seen starts the stream (a capture started mid-connection).
     */
    public void syn(long seq) {
        if (isn < 0) {
            isn = (seq + 1) & 0xFFFFFFFFL;
        }
    }

    /** The next offset the stream waits for; everything before it was delivered or reported as a gap. */
    public long nextOffset() {
        return next;
    }

    /** Bytes held back, waiting for the bytes before them. */
    public long heldBytes() {
        return heldBytes;
    }

    /**
     * Adds one segment's payload ({@code seq} is its TCP sequence number) and returns what it
     * delivers: nothing while it waits for earlier bytes, or the bytes now in order, with a
     * {@link Gap} first when too much was held back to wait any longer.
     */
    public List<Piece> add(long seq, byte[] data, int off, int len, int frame) {
        if (len == 0) {
            return List.of();
        }
        if (isn < 0) {
            isn = seq & 0xFFFFFFFFL;
        }
        long start = unwrap(seq);
        long end = start + len;
        List<Piece> out = new ArrayList<>();
        if (end <= next) {
            return out; // a retransmission of bytes already delivered
        }
        if (start < next) {
            off += (int) (next - start);
            start = next;
        }
        hold(start, data, off, (int) (end - start), frame);
        drain(out);
        while (heldBytes > maxHeld) {
            Map.Entry<Long, Held> first = held.firstEntry();
            out.add(new Gap(next, first.getKey() - next));
            next = first.getKey();
            drain(out);
        }
        return out;
    }

    /** At the end of the capture: what is still held, each hole before it reported as a gap. */
    public List<Piece> finish() {
        List<Piece> out = new ArrayList<>();
        while (!held.isEmpty()) {
            long first = held.firstKey();
            out.add(new Gap(next, first - next));
            next = first;
            drain(out);
        }
        return out;
    }

    /** A 32-bit sequence number as an offset in the stream, taking the one nearest to what is expected next. */
    private long unwrap(long seq) {
        long expected = (isn + next) & 0xFFFFFFFFL;
        int delta = (int) ((seq - expected) & 0xFFFFFFFFL);
        return next + delta;
    }

    /** Keeps only the bytes of [start, start+len) that no held segment already has: the first copy wins. */
    private void hold(long start, byte[] data, int off, int len, int frame) {
        long end = start + len;
        long p = start;
        Map.Entry<Long, Held> before = held.floorEntry(start);
        if (before != null) {
            p = Math.max(p, before.getKey() + before.getValue().bytes().length);
        }
        while (p < end) {
            Long nextKey = held.ceilingKey(p);
            long stop = nextKey == null ? end : Math.min(end, nextKey);
            if (stop > p) {
                byte[] piece = new byte[(int) (stop - p)];
                System.arraycopy(data, off + (int) (p - start), piece, 0, piece.length);
                held.put(p, new Held(piece, frame));
                heldBytes += piece.length;
            }
            if (nextKey == null || nextKey >= end) {
                break;
            }
            p = nextKey + held.get(nextKey).bytes().length;
        }
    }

    private void drain(List<Piece> out) {
        while (!held.isEmpty() && held.firstKey() == next) {
            Held h = held.pollFirstEntry().getValue();
            heldBytes -= h.bytes().length;
            out.add(new Data(next, h.bytes(), h.frame()));
            next += h.bytes().length;
        }
    }
}
