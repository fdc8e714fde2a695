package dev.wirelab.common;

/**
 * The one exception the decoder raises for any invalid input. The byte stream that produced it
 * can no longer be trusted: the receiver closes the connection.
 */
public final class FrameFormatException extends Exception {

    /** Which check failed. */
    public enum Reason {
        BAD_MAGIC,
        BAD_VERSION,
        BAD_TYPE,
        LENGTH_TOO_LARGE,
        CRC_MISMATCH,
        /** The stream ended inside a frame. */
        TRUNCATED,
        /** A one-shot decode found bytes after its frame. */
        TRAILING_BYTES
    }

    private final Reason reason;

    public FrameFormatException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
