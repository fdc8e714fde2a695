package dev.wirelab.part2.server;

import dev.wirelab.common.FrameCodec;

/**
 * Tells from a stream's first bytes whether it speaks the wire format (magic "WL" and version 1)
 * or lines, for the echo server and the proxy alike; at most 3 bytes decide. Pure.
 */
public final class Sniffer {

    public enum Mode { UNDECIDED, FRAMES, LINES }

    private final byte[] prefix = new byte[3];
    private int length;
    private Mode mode = Mode.UNDECIDED;

    /**
     * Takes from {@code b[off, off+len)} what it needs to decide and returns how many bytes it
     * took; once {@link #mode()} is decided, those bytes are {@link #prefix()} and the caller
     * goes on from {@code off} plus the returned count.
     */
    public int feed(byte[] b, int off, int len) {
        if (mode != Mode.UNDECIDED) {
            return 0;
        }
        int take = Math.min(prefix.length - length, len);
        System.arraycopy(b, off, prefix, length, take);
        length += take;
        boolean frameSoFar = FrameCodec.startsLikeFrame(prefix, length);
        if (length < prefix.length && frameSoFar) {
            return take; // "W" or "WL": a frame may still begin
        }
        mode = frameSoFar ? Mode.FRAMES : Mode.LINES;
        return take;
    }

    public Mode mode() {
        return mode;
    }

    /** The bytes taken so far ({@link #prefixLength()} of them). */
    public byte[] prefix() {
        return prefix;
    }

    public int prefixLength() {
        return length;
    }
}
