package dev.wirelab.part2.server;

import java.util.Arrays;

/**
 * Cuts a byte stream into newline-terminated lines of at most {@code maxLine} bytes (without the
 * newline), for the echo server's line mode and the proxy alike. A line that lies whole in one
 * read is handed over in place, without a copy; only a line split across reads is gathered in a
 * buffer, which is bounded by {@code maxLine} and scanned once. Pure: no I/O, no threads.
 */
public final class LineSplitter {

    /** Receives each line, newline included; returns false to stop (the connection closed). */
    public interface Sink {
        boolean line(byte[] b, int off, int len);
    }

    private final int maxLine;
    private byte[] held = new byte[0];
    private int heldLength;
    private long overlong = -1;

    public LineSplitter(int maxLine) {
        this.maxLine = maxLine;
    }

    /**
     * Feeds {@code b[off, off+len)}: every complete line goes to {@code sink}, the rest is held.
     * Returns where it stopped in {@code b}: {@code off + len}, or earlier when the sink said stop
     * (just after that line) or a line is longer than allowed ({@link #overlong()}; the over-long
     * line is then what {@link #drain()} gives plus {@code b} from the returned index on).
     */
    public int feed(byte[] b, int off, int len, Sink sink) {
        int start = off;
        int end = off + len;
        for (int i = off; i < end; i++) {
            if (b[i] != '\n') {
                continue;
            }
            if (heldLength + i - start > maxLine) {
                overlong = heldLength + i - start;
                return start;
            }
            boolean go;
            if (heldLength == 0) {
                go = sink.line(b, start, i + 1 - start);
            } else {
                hold(b, start, i + 1 - start);
                int n = heldLength;
                heldLength = 0;
                go = sink.line(held, 0, n);
                if (held.length > 4096) {
                    held = new byte[0]; // a long line passed; don't keep its buffer
                }
            }
            start = i + 1;
            if (!go) {
                return start;
            }
        }
        if (start < end) {
            if (heldLength + end - start > maxLine) {
                overlong = heldLength + end - start;
                return start;
            }
            hold(b, start, end - start);
        }
        return end;
    }

    /** The length (so far, newline not counted) of the line that was too long, or -1. */
    public long overlong() {
        return overlong;
    }

    /** Bytes of an unfinished line held. */
    public int buffered() {
        return heldLength;
    }

    /** The unfinished line's bytes, handed over and forgotten. */
    public byte[] drain() {
        byte[] rest = Arrays.copyOf(held, heldLength);
        heldLength = 0;
        held = new byte[0];
        return rest;
    }

    private void hold(byte[] b, int off, int len) {
        if (heldLength + len > held.length) {
            held = Arrays.copyOf(held, Math.max(heldLength + len, Math.max(64, Math.min(held.length * 2, maxLine + 1))));
        }
        System.arraycopy(b, off, held, heldLength, len);
        heldLength += len;
    }
}
