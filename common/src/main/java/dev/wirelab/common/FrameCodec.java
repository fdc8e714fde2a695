package dev.wirelab.common;

import java.util.zip.CRC32C;

/**
 * Encoding and one-shot decoding of the wire format v1. The format is specified, with a byte
 * diagram and a worked example, in
 * <a href="../../../../../../../docs/wire-format.md">docs/wire-format.md</a>; for a byte stream use
 * {@link FrameDecoder}.
 */
public final class FrameCodec {

    public static final int MAGIC_0 = 0x57; // 'W'
    public static final int MAGIC_1 = 0x4C; // 'L'
    public static final int VERSION = 0x01;
    public static final int HEADER_BYTES = 12;
    public static final int CRC_BYTES = 4;
    /** Bytes a frame adds around its payload. */
    public static final int OVERHEAD_BYTES = HEADER_BYTES + CRC_BYTES;
    public static final int DEFAULT_MAX_PAYLOAD = 65_536;
    public static final int MAX_CLIENT_ID_BYTES = 64;

    private FrameCodec() {
    }

    /** The frame's bytes on the wire: header, payload, CRC-32C. */
    public static byte[] encode(Frame frame) {
        byte[] payload = frame.payload();
        byte[] out = new byte[OVERHEAD_BYTES + payload.length];
        out[0] = (byte) MAGIC_0;
        out[1] = (byte) MAGIC_1;
        out[2] = (byte) VERSION;
        out[3] = (byte) frame.type().code();
        putU32(out, 4, frame.seq());
        putU32(out, 8, payload.length);
        System.arraycopy(payload, 0, out, HEADER_BYTES, payload.length);
        putU32(out, HEADER_BYTES + payload.length, crc(out, 0, HEADER_BYTES + payload.length));
        return out;
    }

    /**
     * Decodes exactly one frame that fills {@code bytes} with the default maximum payload.
     *
     * @throws FrameFormatException when the bytes are not exactly one valid frame
     */
    public static Frame decode(byte[] bytes) throws FrameFormatException {
        return decode(bytes, DEFAULT_MAX_PAYLOAD);
    }

    /** Decodes exactly one frame that fills {@code bytes}; extra or missing bytes are an error. */
    public static Frame decode(byte[] bytes, int maxPayload) throws FrameFormatException {
        FrameDecoder decoder = new FrameDecoder(maxPayload);
        var frames = decoder.feed(bytes, 0, bytes.length);
        decoder.finish();
        if (frames.size() != 1) {
            throw new FrameFormatException(FrameFormatException.Reason.TRAILING_BYTES,
                    "expected exactly one frame, found " + frames.size() + " frames");
        }
        return frames.get(0);
    }

    /**
     * Whether a connection that starts with these bytes speaks the wire format: the magic and the
     * version. Servers that also speak a text protocol on the same port use it to choose.
     *
     * @return {@code true} or {@code false} once {@code length >= 3}; with fewer bytes, {@code true}
     *     while the bytes so far are a prefix of the magic and version
     */
    public static boolean startsLikeFrame(byte[] bytes, int length) {
        return startsLikeFrame(bytes, 0, length);
    }

    /** {@link #startsLikeFrame(byte[], int)} for bytes starting at {@code offset}, without copying. */
    public static boolean startsLikeFrame(byte[] bytes, int offset, int length) {
        int[] expected = {MAGIC_0, MAGIC_1, VERSION};
        for (int i = 0; i < Math.min(length, expected.length); i++) {
            if ((bytes[offset + i] & 0xFF) != expected[i]) {
                return false;
            }
        }
        return true;
    }

    /** CRC-32C (Castagnoli) of a byte range, as the trailer carries it. */
    public static long crc(byte[] bytes, int offset, int length) {
        CRC32C crc = new CRC32C();
        crc.update(bytes, offset, length);
        return crc.getValue();
    }

    static void putU32(byte[] out, int at, long value) {
        out[at] = (byte) (value >>> 24);
        out[at + 1] = (byte) (value >>> 16);
        out[at + 2] = (byte) (value >>> 8);
        out[at + 3] = (byte) value;
    }

    /** The unsigned big-endian 32-bit number at {@code at}, as the seq and length fields hold it. */
    public static long getU32(byte[] in, int at) {
        return ((in[at] & 0xFFL) << 24) | ((in[at + 1] & 0xFFL) << 16) | ((in[at + 2] & 0xFFL) << 8) | (in[at + 3] & 0xFFL);
    }
}
