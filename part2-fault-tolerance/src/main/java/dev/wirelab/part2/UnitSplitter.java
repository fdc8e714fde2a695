package dev.wirelab.part2;

import dev.wirelab.common.Frame;
import dev.wirelab.common.FrameCodec;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Cuts one direction of a proxied byte stream into the units faults apply to: whole frames when the
 * stream starts with the wire format's magic and version, lines otherwise, and raw chunks once the
 * stream stops looking like either (a bad frame header, a line longer than the maximum). Losing or
 * corrupting a whole unit is what the echo server does to a reply; losing half a frame would
 * instead desynchronise the stream, a different lesson. Holds at most one unit (maxFrame + 16 bytes).
 */
final class UnitSplitter {

    enum Mode { UNKNOWN, FRAMES, LINES, RAW }

    /** One unit and how a fault treats it. */
    record Unit(byte[] bytes, int corruptible, byte[] lossReplacement) {
    }

    private static final byte[] PACKET_LOSS_RAW = EchoConnection.PACKET_LOSS.getBytes(StandardCharsets.US_ASCII);

    private final int maxFrame;
    private Mode mode = Mode.UNKNOWN;
    private byte[] pending = new byte[256];
    private int start;
    private int end;
    /** Bytes after {@code start} known to hold no newline (line mode). */
    private int scanned;

    UnitSplitter(int maxFrame) {
        this.maxFrame = maxFrame;
    }

    Mode mode() {
        return mode;
    }

    List<Unit> feed(byte[] bytes, int off, int len) {
        append(bytes, off, len);
        List<Unit> units = new ArrayList<>(2);
        if (mode == Mode.UNKNOWN) {
            int have = end - start;
            if (have < 3 && FrameCodec.startsLikeFrame(pending, start, have)) {
                return units;
            }
            mode = FrameCodec.startsLikeFrame(pending, start, have) ? Mode.FRAMES : Mode.LINES;
        }
        switch (mode) {
            case FRAMES -> frames(units);
            case LINES -> lines(units);
            default -> raw(units);
        }
        compact();
        return units;
    }

    /** What is left at end of stream: an unfinished unit, passed on as it is. */
    byte[] drain() {
        byte[] rest = Arrays.copyOfRange(pending, start, end);
        start = end = scanned = 0;
        return rest;
    }

    private void frames(List<Unit> units) {
        while (end - start >= FrameCodec.HEADER_BYTES) {
            if (!FrameCodec.startsLikeFrame(pending, start, 3)) {
                mode = Mode.RAW;
                raw(units);
                return;
            }
            long length = FrameCodec.getU32(pending, start + 8);
            if (length > maxFrame) {
                mode = Mode.RAW;
                raw(units);
                return;
            }
            int total = (int) length + FrameCodec.OVERHEAD_BYTES;
            if (end - start < total) {
                return;
            }
            long seq = FrameCodec.getU32(pending, start + 4);
            byte[] frame = Arrays.copyOfRange(pending, start, start + total);
            start += total;
            units.add(new Unit(frame, frame.length, FrameCodec.encode(Frame.error(seq, EchoConnection.PACKET_LOSS))));
        }
    }

    private void lines(List<Unit> units) {
        // A long line arriving in many reads is scanned once, not once per read.
        for (int i = start + scanned; i < end; i++) {
            if (pending[i] == '\n') {
                if (i - start > maxFrame) {
                    break; // over-long even though its newline came in the same read: raw, below
                }
                byte[] line = Arrays.copyOfRange(pending, start, i + 1);
                int terminator = line.length >= 2 && line[line.length - 2] == '\r' ? 2 : 1;
                units.add(new Unit(line, line.length - terminator, EchoConnection.PACKET_LOSS_LINE));
                start = i + 1;
            }
        }
        scanned = end - start;
        if (end - start > maxFrame) {
            mode = Mode.RAW;
            raw(units);
        }
    }

    private void raw(List<Unit> units) {
        if (end > start) {
            byte[] chunk = Arrays.copyOfRange(pending, start, end);
            start = end;
            scanned = 0;
            units.add(new Unit(chunk, chunk.length, PACKET_LOSS_RAW));
        }
    }

    private void append(byte[] bytes, int off, int len) {
        if (end + len > pending.length) {
            compact();
            if (end + len > pending.length) {
                pending = Arrays.copyOf(pending, Math.max(end + len, pending.length * 2));
            }
        }
        System.arraycopy(bytes, off, pending, end, len);
        end += len;
    }

    private void compact() {
        if (start > 0) {
            System.arraycopy(pending, start, pending, 0, end - start);
            end -= start;
            start = 0;
        }
        if (end == 0 && pending.length > 4 * 8192) {
            pending = new byte[256];
        }
    }
}
