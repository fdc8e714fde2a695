package dev.wirelab.part2.proxy;

import dev.wirelab.common.Frame;
import dev.wirelab.common.FrameCodec;
import dev.wirelab.part2.server.EchoConnection;
import dev.wirelab.part2.server.LineSplitter;
import dev.wirelab.part2.server.Sniffer;

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
public final class UnitSplitter {

    public enum Mode { UNKNOWN, FRAMES, LINES, RAW }

    /** One unit and how a fault treats it. */
    public record Unit(byte[] bytes, int corruptible, byte[] lossReplacement) {
    }

    private static final byte[] PACKET_LOSS_RAW = EchoConnection.PACKET_LOSS.getBytes(StandardCharsets.US_ASCII);

    private final int maxFrame;
    private final LineSplitter lineSplitter;
    private final Sniffer sniffer = new Sniffer();
    private Mode mode = Mode.UNKNOWN;
    private byte[] pending = new byte[256];
    private int start;
    private int end;

    public UnitSplitter(int maxFrame) {
        this.maxFrame = maxFrame;
        this.lineSplitter = new LineSplitter(maxFrame);
    }

    public Mode mode() {
        return mode;
    }

    public List<Unit> feed(byte[] bytes, int off, int len) {
        List<Unit> units = new ArrayList<>(2);
        if (mode == Mode.LINES) {
            lines(bytes, off, len, units); // lines need no copy into pending: the splitter holds the rest
            return units;
        }
        if (mode == Mode.UNKNOWN) {
            // The echo server's own test: the same bytes are frames (or lines) to both.
            int took = sniffer.feed(bytes, off, len);
            if (sniffer.mode() == Sniffer.Mode.UNDECIDED) {
                return units;
            }
            off += took;
            len -= took;
            if (sniffer.mode() == Sniffer.Mode.LINES) {
                mode = Mode.LINES;
                lines(sniffer.prefix(), 0, sniffer.prefixLength(), units);
                if (mode == Mode.LINES) {
                    lines(bytes, off, len, units);
                    return units;
                }
                // Over-long already (a maximum under 3 bytes): raw chunks from here, below.
            } else {
                mode = Mode.FRAMES;
                append(sniffer.prefix(), 0, sniffer.prefixLength());
            }
        }
        append(bytes, off, len);
        if (mode == Mode.FRAMES) {
            frames(units);
        } else {
            raw(units);
        }
        compact();
        return units;
    }

    /** What is left at end of stream: an unfinished unit, passed on as it is. */
    public byte[] drain() {
        if (mode == Mode.LINES) {
            return lineSplitter.drain();
        }
        if (mode == Mode.UNKNOWN) {
            return Arrays.copyOf(sniffer.prefix(), sniffer.prefixLength());
        }
        byte[] rest = Arrays.copyOfRange(pending, start, end);
        start = end = 0;
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

    private void lines(byte[] b, int off, int len, List<Unit> units) {
        int at = lineSplitter.feed(b, off, len, (line, o, n) -> {
            int terminator = n >= 2 && line[o + n - 2] == '\r' ? 2 : 1;
            units.add(new Unit(Arrays.copyOfRange(line, o, o + n), n - terminator, EchoConnection.PACKET_LOSS_LINE));
            return true;
        });
        if (lineSplitter.overlong() >= 0) {
            // Longer than any line the server accepts: from here on, raw chunks.
            mode = Mode.RAW;
            append(lineSplitter.drain());
            append(b, at, off + len - at);
            raw(units);
            compact();
        }
    }

    private void append(byte[] bytes) {
        append(bytes, 0, bytes.length);
    }

    private void raw(List<Unit> units) {
        if (end > start) {
            byte[] chunk = Arrays.copyOfRange(pending, start, end);
            start = end;
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
        if (end == 0 && pending.length > 4 * 8192) { // a burst passed; don't keep its buffer
            pending = new byte[256];
        }
    }
}
