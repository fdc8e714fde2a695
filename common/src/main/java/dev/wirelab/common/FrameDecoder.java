package dev.wirelab.common;

import static dev.wirelab.common.FrameCodec.CRC_BYTES;
import static dev.wirelab.common.FrameCodec.HEADER_BYTES;

import dev.wirelab.common.FrameFormatException.Reason;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;

/**
 * Incremental decoder for a byte stream of wire-format frames (format:
 * <a href="../../../../../../../docs/wire-format.md">docs/wire-format.md</a>). Feed it whatever a
 * read returned: a partial frame waits for more bytes, several frames in one read all come out.
 *
 * <p>Each header field is checked as soon as its bytes arrive, so garbage is rejected at its first
 * wrong byte rather than after a length's worth of reading. The buffer grows with the bytes that
 * have arrived (at most doubling), never to a length the peer merely declared: a header claiming
 * the maximum costs a few hundred bytes until the payload really comes, so many connections that
 * each send such a header cannot exhaust memory. After the first error the decoder stays failed:
 * the stream can no longer be trusted. Not thread-safe; one decoder per connection.
 */
public final class FrameDecoder {

    private final int maxPayload;
    private byte[] buf = new byte[256];
    private int start;
    private int end;
    private FrameFormatException failure;

    /** A decoder accepting payloads up to {@link FrameCodec#DEFAULT_MAX_PAYLOAD} bytes. */
    public FrameDecoder() {
        this(FrameCodec.DEFAULT_MAX_PAYLOAD);
    }

    /** A decoder accepting payloads up to {@code maxPayload} bytes. */
    public FrameDecoder(int maxPayload) {
        if (maxPayload < 0 || maxPayload > Integer.MAX_VALUE - FrameCodec.OVERHEAD_BYTES) {
            throw new IllegalArgumentException("maxPayload out of range: " + maxPayload);
        }
        this.maxPayload = maxPayload;
    }

    public int maxPayload() {
        return maxPayload;
    }

    /**
     * Adds bytes and returns every frame they complete, in order (possibly none).
     *
     * @throws FrameFormatException at the first invalid byte; every later call throws it again.
     *     Frames completed earlier in the same call are lost with the exception: use
     *     {@link #feed(byte[], int, int, Consumer)} where they still count.
     */
    public List<Frame> feed(byte[] bytes, int offset, int length) throws FrameFormatException {
        List<Frame> frames = new ArrayList<>(2);
        feed(bytes, offset, length, frames::add);
        return frames;
    }

    /**
     * Adds bytes and hands each frame they complete to {@code sink} as soon as its last byte is
     * read, so the frames before an invalid one in the same read are still delivered (and can be
     * acknowledged) before the exception ends the stream.
     *
     * @throws FrameFormatException at the first invalid byte; every later call throws it again
     */
    public void feed(byte[] bytes, int offset, int length, Consumer<Frame> sink) throws FrameFormatException {
        if (failure != null) {
            throw failure;
        }
        if (offset < 0 || length < 0 || length > bytes.length - offset) {
            throw new IndexOutOfBoundsException("offset " + offset + ", length " + length + ", array " + bytes.length);
        }
        int pos = offset;
        int stop = offset + length;
        try {
            while (pos < stop) {
                int take = Math.min(bytesWanted(), stop - pos);
                append(bytes, pos, take);
                pos += take;
                Frame frame = tryComplete();
                if (frame != null) {
                    sink.accept(frame);
                }
            }
        } catch (FrameFormatException e) {
            failure = e;
            buf = new byte[0];
            start = end = 0;
            throw e;
        }
    }

    public List<Frame> feed(byte[] bytes) throws FrameFormatException {
        return feed(bytes, 0, bytes.length);
    }

    /**
     * Call at end of stream.
     *
     * @throws FrameFormatException {@link Reason#TRUNCATED} when a frame was started but not finished
     */
    public void finish() throws FrameFormatException {
        if (failure != null) {
            throw failure;
        }
        if (end > start) {
            failure = new FrameFormatException(Reason.TRUNCATED,
                    "stream ended inside a frame after " + (end - start) + " of its bytes");
            throw failure;
        }
    }

    /** Bytes of an unfinished frame held so far. */
    public int buffered() {
        return end - start;
    }

    /** The bytes reserved for the unfinished frame: at most about twice {@link #buffered()}. */
    int capacity() {
        return buf.length;
    }

    /** How many bytes the current frame still needs; only header bytes until the length is known. */
    private int bytesWanted() {
        int have = end - start;
        if (have < HEADER_BYTES) {
            // Feed the header one check at a time so each field is validated on arrival.
            return have < 4 ? 1 : HEADER_BYTES - have;
        }
        return frameSize() - have;
    }

    private int frameSize() {
        return HEADER_BYTES + (int) FrameCodec.getU32(buf, start + 8) + CRC_BYTES;
    }

    private void append(byte[] bytes, int offset, int length) {
        if (end + length > buf.length) {
            int needed = end - start + length;
            if (needed <= buf.length) {
                System.arraycopy(buf, start, buf, 0, end - start);
            } else {
                // Only reached past the header (256 > 12), once the length passed its bound check.
                // Doubling keeps the copying linear in the frame's size, and the cap at the frame
                // size means a frame that fully arrives ends in one exact-size buffer.
                int grown = (int) Math.min(frameSize(), Math.max(needed, 2L * buf.length));
                buf = Arrays.copyOfRange(buf, start, start + grown);
            }
            end -= start;
            start = 0;
        }
        System.arraycopy(bytes, offset, buf, end, length);
        end += length;
    }

    private Frame tryComplete() throws FrameFormatException {
        int have = end - start;
        switch (have) {
            case 1 -> check(buf[start], FrameCodec.MAGIC_0, Reason.BAD_MAGIC, "magic");
            case 2 -> check(buf[start + 1], FrameCodec.MAGIC_1, Reason.BAD_MAGIC, "magic");
            case 3 -> check(buf[start + 2], FrameCodec.VERSION, Reason.BAD_VERSION, "version");
            case 4 -> {
                if (FrameType.fromCode(buf[start + 3] & 0xFF) == null) {
                    throw new FrameFormatException(Reason.BAD_TYPE,
                            String.format("unknown frame type 0x%02x (known: 0x01-0x04)", buf[start + 3] & 0xFF));
                }
            }
            default -> {
            }
        }
        if (have == HEADER_BYTES) {
            long length = FrameCodec.getU32(buf, start + 8);
            FrameType type = FrameType.fromCode(buf[start + 3] & 0xFF);
            long limit = type == FrameType.HELLO ? Math.min(maxPayload, FrameCodec.MAX_CLIENT_ID_BYTES) : maxPayload;
            if (length > limit) {
                throw new FrameFormatException(Reason.LENGTH_TOO_LARGE, "payload length " + length
                        + " is over the maximum of " + limit + " bytes" + (type == FrameType.HELLO ? " for HELLO" : ""));
            }
        }
        if (have < HEADER_BYTES || have < frameSize()) {
            return null;
        }
        int payloadLength = frameSize() - FrameCodec.OVERHEAD_BYTES;
        long expected = FrameCodec.getU32(buf, start + HEADER_BYTES + payloadLength);
        long actual = FrameCodec.crc(buf, start, HEADER_BYTES + payloadLength);
        if (expected != actual) {
            throw new FrameFormatException(Reason.CRC_MISMATCH,
                    String.format("CRC-32C mismatch: frame says %08x, bytes give %08x", expected, actual));
        }
        Frame frame = new Frame(FrameType.fromCode(buf[start + 3] & 0xFF), FrameCodec.getU32(buf, start + 4),
                Arrays.copyOfRange(buf, start + HEADER_BYTES, start + HEADER_BYTES + payloadLength));
        start = end = 0;
        if (buf.length > 4096) {
            buf = new byte[256]; // a large frame passed; don't hold its buffer for the connection's life
        }
        return frame;
    }

    private static void check(byte actual, int expected, Reason reason, String field) throws FrameFormatException {
        if ((actual & 0xFF) != expected) {
            throw new FrameFormatException(reason,
                    String.format("bad %s byte 0x%02x, expected 0x%02x", field, actual & 0xFF, expected));
        }
    }
}
