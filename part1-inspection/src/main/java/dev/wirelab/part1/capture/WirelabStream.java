package dev.wirelab.part1.capture;

import dev.wirelab.common.Bytes;
import dev.wirelab.common.Frame;
import dev.wirelab.common.FrameCodec;
import dev.wirelab.common.FrameFormatException;
import dev.wirelab.common.FrameType;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * Wire format v1 frames (docs/wire-format.md) in one direction of a reassembled TCP stream, read
 * the way an analyser reads them rather than the way a receiver does: a frame whose CRC does not
 * match is shown ({@code CRC BAD}) and the next frame is read after it, since the length field
 * still says where it ends; only bytes that are no frame at all (bad magic, version, type or an
 * oversized length) end the decoding of that direction, until a gap lets it look for a frame start
 * again. Frames split over segments come out when their last byte arrives; several frames in one
 * segment all come out. Each frame is checked with {@code common}'s codec.
 */
public final class WirelabStream {

    /**
     * One frame as captured: {@code frame} is the number of the packet that completed it,
     * {@code crcOk} whether its CRC-32C matched. For a frame with a bad CRC, type, seq and length
     * are what its (possibly corrupted) header says.
     */
    public record WireFrame(FrameType type, long seq, byte[] payload, boolean crcOk, int frame) {

        /** The Info column text: {@code DATA seq=3 len=6}, {@code ACK seq=3}, {@code ERROR seq=5 "Packet Loss"}. */
        public String summary() {
            String s = switch (type) {
                case DATA -> "DATA seq=" + seq + " len=" + payload.length;
                case ACK -> "ACK seq=" + seq;
                case HELLO -> "HELLO " + quoted(payload);
                case ERROR -> "ERROR seq=" + seq + " " + quoted(payload);
            };
            return crcOk ? s : s + " CRC BAD";
        }

        /** A peer's text, escaped so that it cannot rewrite the terminal, in quotes. */
        static String quoted(byte[] text) {
            return "\"" + Bytes.escape(text).replace("\"", "\\\"") + "\"";
        }
    }

    private final int maxPayload;
    private final ByteArrayOutputStream pending = new ByteArrayOutputStream();
    private boolean broken;
    private String brokenReason;
    /** Bytes the frame being read needs before it is worth parsing again: keeps tiny segments linear. */
    private long needed = 4;

    public WirelabStream() {
        this(FrameCodec.DEFAULT_MAX_PAYLOAD);
    }

    public WirelabStream(int maxPayload) {
        this.maxPayload = maxPayload;
    }

    /** Why decoding stopped in this direction (null while it goes on). */
    public String brokenReason() {
        return broken ? brokenReason : null;
    }

    /** Bytes of a frame started but not finished. */
    public int buffered() {
        return pending.size();
    }

    /** Reads the pieces the reassembler delivered and returns the frames they complete. */
    public List<WireFrame> feed(List<TcpReassembler.Piece> pieces) {
        List<WireFrame> out = new ArrayList<>();
        for (TcpReassembler.Piece piece : pieces) {
            switch (piece) {
                case TcpReassembler.Gap g -> {
                    // The frame that was being read lost bytes; look for the next frame start.
                    pending.reset();
                    broken = false;
                    resync = true;
                    needed = 4;
                }
                case TcpReassembler.Data d -> feed(d.bytes(), d.frame(), out);
            }
        }
        return out;
    }

    private boolean resync;

    private void feed(byte[] bytes, int frame, List<WireFrame> out) {
        if (broken) {
            return;
        }
        pending.write(bytes, 0, bytes.length);
        if (!resync && pending.size() < needed) {
            return;
        }
        byte[] buf = pending.toByteArray();
        int p = 0;
        if (resync) {
            int start = findStart(buf);
            if (start < 0) {
                // Keep the last bytes: a frame start may be split over this piece and the next.
                int keep = Math.min(buf.length, 3);
                pending.reset();
                pending.write(buf, buf.length - keep, keep);
                return;
            }
            p = start;
            resync = false;
        }
        while (buf.length - p >= FrameCodec.HEADER_BYTES || (buf.length - p >= 4 && !plausible(buf, p, buf.length - p))) {
            if (!plausible(buf, p, buf.length - p)) {
                broken = true;
                brokenReason = String.format("bytes %02x %02x %02x %02x are no wirelab v1 frame", buf[p], buf[p + 1],
                        buf[p + 2], buf[p + 3]);
                pending.reset();
                return;
            }
            long length = FrameCodec.getU32(buf, p + 8);
            if (length > maxPayload) {
                broken = true;
                brokenReason = "a frame announces " + length + " payload bytes, over the maximum of " + maxPayload;
                pending.reset();
                return;
            }
            int size = FrameCodec.OVERHEAD_BYTES + (int) length;
            if (buf.length - p < size) {
                break;
            }
            out.add(decode(buf, p, size, frame));
            p += size;
        }
        int left = buf.length - p;
        needed = left >= FrameCodec.HEADER_BYTES ? FrameCodec.OVERHEAD_BYTES + FrameCodec.getU32(buf, p + 8)
                : left >= 4 ? FrameCodec.HEADER_BYTES : 4;
        pending.reset();
        pending.write(buf, p, left);
    }

    private static WireFrame decode(byte[] buf, int p, int size, int frame) {
        byte[] bytes = java.util.Arrays.copyOfRange(buf, p, p + size);
        try {
            Frame f = FrameCodec.decode(bytes, Integer.MAX_VALUE - FrameCodec.OVERHEAD_BYTES);
            return new WireFrame(f.type(), f.seq(), f.payload(), true, frame);
        } catch (FrameFormatException e) {
            // Magic, version, type and length were checked above, so only the CRC can fail here
            // (or a HELLO longer than a client id may be, shown as it is).
            FrameType type = FrameType.fromCode(bytes[3] & 0xFF);
            byte[] payload = java.util.Arrays.copyOfRange(bytes, FrameCodec.HEADER_BYTES, size - FrameCodec.CRC_BYTES);
            boolean crcOk = e.reason() != FrameFormatException.Reason.CRC_MISMATCH;
            return new WireFrame(type, FrameCodec.getU32(bytes, 4), payload, crcOk, frame);
        }
    }

    /** Whether the first bytes (up to 4) could start a frame: magic, version, a known type. */
    static boolean plausible(byte[] b, int off, int len) {
        if (!FrameCodec.startsLikeFrame(b, off, Math.min(len, 3))) {
            return false;
        }
        return len < 4 || FrameType.fromCode(b[off + 3] & 0xFF) != null;
    }

    private static int findStart(byte[] b) {
        for (int i = 0; i + 4 <= b.length; i++) {
            if (plausible(b, i, 4)) {
                return i;
            }
        }
        return -1;
    }
}
