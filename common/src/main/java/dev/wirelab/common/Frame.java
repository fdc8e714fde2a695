package dev.wirelab.common;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Objects;

/**
 * One message of the wire format v1. Immutable: the payload is copied in and out.
 *
 * @param type    what the message is
 * @param seq     sequence number, an unsigned 32-bit value held in a {@code long}
 * @param payload the payload bytes (a copy)
 * @see <a href="../../../../../../../docs/wire-format.md">docs/wire-format.md</a>
 */
public record Frame(FrameType type, long seq, byte[] payload) {

    /** Largest sequence number the 4-byte field can carry. */
    public static final long MAX_SEQ = 0xFFFF_FFFFL;

    public Frame {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(payload, "payload");
        if (seq < 0 || seq > MAX_SEQ) {
            throw new IllegalArgumentException("seq " + seq + " does not fit in 32 unsigned bits");
        }
        if (type == FrameType.HELLO && payload.length > FrameCodec.MAX_CLIENT_ID_BYTES) {
            // Every receiver rejects such a HELLO; refuse to build one rather than send it.
            throw new IllegalArgumentException("a HELLO payload (client id) is at most "
                    + FrameCodec.MAX_CLIENT_ID_BYTES + " bytes, not " + payload.length);
        }
        payload = payload.clone();
    }

    /** HELLO, seq 0, payload the client id in UTF-8 (at most {@link FrameCodec#MAX_CLIENT_ID_BYTES} bytes). */
    public static Frame hello(String clientId) {
        byte[] id = clientId.getBytes(StandardCharsets.UTF_8);
        if (id.length > FrameCodec.MAX_CLIENT_ID_BYTES) {
            throw new IllegalArgumentException("client id is " + id.length + " bytes in UTF-8, at most "
                    + FrameCodec.MAX_CLIENT_ID_BYTES + " allowed");
        }
        return new Frame(FrameType.HELLO, 0, id);
    }

    public static Frame data(long seq, byte[] payload) {
        return new Frame(FrameType.DATA, seq, payload);
    }

    public static Frame ack(long seq, byte[] payload) {
        return new Frame(FrameType.ACK, seq, payload);
    }

    /** ERROR seq n: message n was not delivered, for the given reason (e.g. {@code Packet Loss}). */
    public static Frame error(long seq, String reason) {
        return new Frame(FrameType.ERROR, seq, reason.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public byte[] payload() {
        return payload.clone();
    }

    public int payloadLength() {
        return payload.length;
    }

    /** The payload decoded as UTF-8, malformed bytes replaced (for client ids and error reasons). */
    public String payloadText() {
        return new String(payload, StandardCharsets.UTF_8);
    }

    /** True when this frame's payload has exactly these bytes. */
    public boolean payloadEquals(byte[] other) {
        return Arrays.equals(payload, other);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Frame f && f.type == type && f.seq == seq && Arrays.equals(f.payload, payload);
    }

    @Override
    public int hashCode() {
        return Objects.hash(type, seq, Arrays.hashCode(payload));
    }

    @Override
    public String toString() {
        int shown = Math.min(payload.length, 32);
        return type + " seq=" + seq + " len=" + payload.length + " payload="
                + HexFormat.of().formatHex(payload, 0, shown) + (shown < payload.length ? "…" : "");
    }
}
