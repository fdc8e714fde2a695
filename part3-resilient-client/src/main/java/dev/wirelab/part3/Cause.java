package dev.wirelab.part3;

/** Why a message had to be sent again. */
public enum Cause {
    /** No valid reply within the retransmission timeout. */
    TIMEOUT("timeout"),
    /**
     * Three messages sent after it were acknowledged first. The server answers in order on a
     * connection, so its reply was lost; resend without waiting for the timer (TCP's fast
     * retransmit, RFC 5681).
     */
    FAST_RETRANSMIT("fast retransmit"),
    /** The server answered ERROR for the message (the report's "Packet Loss"). */
    ERROR_REPLY("error reply"),
    /** A reply failed its checks (CRC-32C, header, or the echoed payload); the stream was dropped. */
    CORRUPT("corrupt reply"),
    /** The connection was reset or closed before the reply arrived. */
    CONNECTION_LOST("connection lost");

    private final String label;

    Cause(String label) {
        this.label = label;
    }

    /** Human words for traces and tables. */
    public String label() {
        return label;
    }

    /** snake_case key for JSON. */
    public String key() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
