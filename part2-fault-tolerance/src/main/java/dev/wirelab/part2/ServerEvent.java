package dev.wirelab.part2;

/**
 * One thing an {@link EchoServer} did, for a {@link ServerObserver}. Every event carries
 * {@code at} (System.nanoTime when it happened) and the connection number {@code connection}
 * (1 for the first connection the server accepted), which ties a connection's events together.
 */
public sealed interface ServerEvent {

    long at();

    long connection();

    /** @param remote the peer's {@code ip:port} */
    record ConnectionOpened(long at, long connection, String remote) implements ServerEvent {
    }

    /** @param reason what the log line says, e.g. {@code client closed} or {@code reset sent} */
    record ConnectionClosed(long at, long connection, String remote, String reason) implements ServerEvent {
    }

    /**
     * A HELLO arrived.
     *
     * @param clientId the id it carries (raw, not escaped)
     * @param accepted true if the connection now runs under that id; false if a fault lost it or
     *                 the connection already had another id
     */
    record Hello(long at, long connection, String clientId, boolean accepted) implements ServerEvent {
    }

    /**
     * A DATA frame arrived (before any fault is decided).
     *
     * @param clientId the connection's HELLO id, or its {@code #n ip:port} name without one
     * @param arrival  which copy of this seq from this client it is: 1 the first, 2 the first
     *                 retransmission, ... (counted across reconnects for a HELLO id; the most
     *                 recent 32 seqs of each client are remembered)
     */
    record DataArrived(long at, long connection, String clientId, long seq, int arrival, byte[] payload)
            implements ServerEvent {
        public DataArrived {
            payload = payload.clone();
        }

        @Override
        public byte[] payload() {
            return payload.clone();
        }
    }

    /** A line arrived (line mode), with its newline. */
    record LineArrived(long at, long connection, long number, byte[] line) implements ServerEvent {
        public LineArrived {
            line = line.clone();
        }

        @Override
        public byte[] line() {
            return line.clone();
        }
    }

    /** The DATA was handed to the server's application (the first copy of this seq). */
    record Delivered(long at, long connection, String clientId, long seq) implements ServerEvent {
    }

    /** The DATA was a copy of a delivered one: acknowledged again, not delivered again. */
    record DuplicateSuppressed(long at, long connection, String clientId, long seq) implements ServerEvent {
    }

    /**
     * A fault was decided for a request's reply.
     *
     * @param request what it hit, as the log names it: {@code HELLO}, {@code seq=3}, {@code line 2}
     * @param seq     the request's seq (0 for HELLO and lines)
     * @param rule    the script line of the rule that chose it, or 0 if the random rates did
     */
    record FaultApplied(long at, long connection, Fault fault, String request, long seq, int rule)
            implements ServerEvent {
    }

    /** What kind of reply was sent. */
    enum ReplyType { ACK, ERROR, LINE, PACKET_LOSS_LINE, OTHER }

    /**
     * A reply was handed to the socket.
     *
     * @param bytes     its length in bytes (one copy)
     * @param copies    2 when it was duplicated
     * @param corrupted true if a byte of it was flipped
     */
    record ReplySent(long at, long connection, ReplyType type, long seq, int bytes, int copies, boolean corrupted)
            implements ServerEvent {
    }

    /** The connection was aborted with a TCP RST by the reset fault. */
    record ResetSent(long at, long connection) implements ServerEvent {
    }
}
