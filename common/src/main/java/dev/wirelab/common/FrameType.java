package dev.wirelab.common;

/**
 * The message types of the wire format v1; the byte at offset 3 of a frame.
 *
 * @see <a href="../../../../../../../docs/wire-format.md">docs/wire-format.md</a>
 */
public enum FrameType {
    HELLO(0x01),
    DATA(0x02),
    ACK(0x03),
    ERROR(0x04);

    private final int code;

    FrameType(int code) {
        this.code = code;
    }

    /** The byte that stands for this type on the wire. */
    public int code() {
        return code;
    }

    /** The type for a wire byte, or {@code null} when the byte names no type. */
    public static FrameType fromCode(int code) {
        for (FrameType t : values()) {
            if (t.code == code) {
                return t;
            }
        }
        return null;
    }
}
