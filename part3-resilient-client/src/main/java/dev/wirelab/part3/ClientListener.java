package dev.wirelab.part3;

/**
 * What the resilient client reports while it works; every method has a no-op default. {@code t} is
 * nanoseconds since the run started. {@link TracePrinter} turns these into the {@code --trace}
 * ladder; tests and the experiment count them.
 */
public interface ClientListener {

    ClientListener NONE = new ClientListener() { };

    default void connecting(long t, String address, int attempt) { }

    default void helloSent(long t, String clientId) { }

    default void connected(long t, String clientId, long helloRttNanos) { }

    default void connectFailed(long t, String why, long retryInNanos) { }

    default void send(long t, SendWindow.Transmission tx, long timeoutNanos) { }

    default void ack(long t, long seq, long rttNanos, long rtoNanos, int transmissions) { }

    /** A valid ACK for a message already given up: it was delivered after all. */
    default void lateAck(long t, long seq, int transmissions) { }

    default void staleAck(long t, long seq, String why) { }

    default void errorReply(long t, long seq, String reason, SendWindow.Failure outcome) { }

    default void timeout(long t, SendWindow.Failure outcome, long rtoNanos) { }

    default void overtaken(long t, SendWindow.Failure outcome) { }

    default void corrupt(long t, String detail) { }

    default void connectionLost(long t, String detail) { }

    /**
     * The client waits {@code waitNanos} before it connects again, because the last
     * {@code lostInARow} connections were all lost before a single ACK was accepted on them.
     */
    default void reconnectDelay(long t, long waitNanos, int lostInARow) { }

    default void gaveUp(long t, SendWindow.Failure.GaveUp gaveUp) { }

    /**
     * The run stops before every message was tried to the end ({@link ResilientClient.Config#giveUpAfter}
     * messages failed in a row, the deadline passed, the server could not be reached):
     * {@code unfinished} messages are given up with it.
     */
    default void stopped(long t, String reason, int unfinished) { }
}
