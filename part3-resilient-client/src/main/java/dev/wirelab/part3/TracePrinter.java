package dev.wirelab.part3;

import dev.wirelab.part3.TraceEvent.Arrow;
import java.io.PrintWriter;
import java.util.function.Consumer;

/**
 * The {@code --trace} output: the client's events as {@link TraceEvent}s, one line each,
 * client-to-server lines marked {@code -->}, server-to-client lines {@code <--}, and problems
 * {@code !!} — read top to bottom it is the ladder diagram of the exchange.
 *
 * <p>{@link #TracePrinter(PrintWriter)} prints each line as it happens (flushed, so a trace piped
 * into another program is live); {@link #TracePrinter(Consumer)} hands the events to the caller
 * instead, e.g. to keep the last few and print them with {@link TraceEvent#ladder} when something
 * went wrong.
 */
public final class TracePrinter implements ClientListener {

    private final Consumer<TraceEvent> sink;

    /** Prints every event as one line on {@code out}. */
    public TracePrinter(PrintWriter out) {
        this(e -> {
            out.println(e.line());
            out.flush();
        });
    }

    /** Hands every event to {@code sink}, on the client's event-loop thread. */
    public TracePrinter(Consumer<TraceEvent> sink) {
        this.sink = sink;
    }

    @Override
    public void connecting(long t, String address, int attempt) {
        line(t, Arrow.NOTE, "connect", address + (attempt > 1 ? " (attempt " + attempt + ")" : ""));
    }

    @Override
    public void helloSent(long t, String clientId) {
        line(t, Arrow.TO_SERVER, "HELLO", "session id \"" + text(clientId) + "\"");
    }

    @Override
    public void connected(long t, String clientId, long helloRttNanos) {
        line(t, Arrow.TO_CLIENT, "ACK 0", "HELLO accepted for session id \"" + text(clientId) + "\" (rtt " + Summary.millis(helloRttNanos) + ")");
    }

    @Override
    public void connectFailed(long t, String why, long retryInNanos) {
        line(t, Arrow.PROBLEM, "no connect", why + (retryInNanos > 0 ? "; retry in " + Summary.millis(retryInNanos) : ""));
    }

    @Override
    public void send(long t, SendWindow.Transmission tx, long timeoutNanos) {
        String what = preview(tx.payload()) + " (" + tx.payload().length + " bytes)";
        if (tx.isRetransmission()) {
            what += ", retransmission " + (tx.number() - 1) + " after " + tx.cause().label();
        }
        line(t, Arrow.TO_SERVER, "DATA " + tx.seq(), what + ", timer " + Summary.millis(timeoutNanos));
    }

    @Override
    public void ack(long t, long seq, long rttNanos, long rtoNanos, int transmissions) {
        String rtt = rttNanos >= 0 ? "rtt " + Summary.millis(rttNanos) + ", rto now " + Summary.millis(rtoNanos)
                : "sent " + transmissions + " times, no RTT sample (Karn's rule)";
        line(t, Arrow.TO_CLIENT, "ACK " + seq, "delivered, echo matches; " + rtt);
    }

    @Override
    public void lateAck(long t, long seq, int transmissions) {
        line(t, Arrow.TO_CLIENT, "ACK " + seq, "delivered after all, echo matches: a late reply for a message given up after "
                + transmissions + " transmission" + (transmissions == 1 ? "" : "s"));
    }

    @Override
    public void staleAck(long t, long seq, String why) {
        line(t, Arrow.TO_CLIENT, "ACK " + seq, "stale (" + why + "), ignored");
    }

    @Override
    public void errorReply(long t, long seq, String reason, SendWindow.Failure outcome) {
        String then = switch (outcome) {
            case SendWindow.Failure.Retry r -> "resend";
            case SendWindow.Failure.GaveUp g -> "give up";
            case SendWindow.Failure.Stale s -> "stale (" + s.why() + "), ignored";
        };
        line(t, Arrow.TO_CLIENT, "ERROR " + seq, "\"" + reason + "\" -> " + then);
    }

    @Override
    public void timeout(long t, SendWindow.Failure outcome, long rtoNanos) {
        line(t, Arrow.PROBLEM, "timeout", "DATA " + outcome.seq() + ": no reply in time -> "
                + (outcome instanceof SendWindow.Failure.GaveUp ? "give up" : "resend") + ", rto backed off to "
                + Summary.millis(rtoNanos));
    }

    @Override
    public void overtaken(long t, SendWindow.Failure outcome) {
        line(t, Arrow.PROBLEM, "overtaken", "DATA " + outcome.seq() + ": " + SendWindow.FAST_RETRANSMIT_THRESHOLD
                + " later messages were acknowledged first, its reply is lost -> "
                + (outcome instanceof SendWindow.Failure.GaveUp ? "give up" : "resend now (fast retransmit)"));
    }

    @Override
    public void corrupt(long t, String detail) {
        line(t, Arrow.PROBLEM, "corrupt", detail + " -> drop the connection, reconnect, resend");
    }

    @Override
    public void connectionLost(long t, String detail) {
        line(t, Arrow.PROBLEM, "lost", detail + " -> reconnect, resend what is unacknowledged");
    }

    @Override
    public void reconnectDelay(long t, long waitNanos, int lostInARow) {
        line(t, Arrow.NOTE, "wait", Summary.millis(waitNanos) + " before connecting again: " + lostInARow
                + (lostInARow == 1 ? " connection" : " connections in a row") + " lost before any ACK");
    }

    @Override
    public void gaveUp(long t, SendWindow.Failure.GaveUp g) {
        line(t, Arrow.PROBLEM, "give up", "DATA " + g.seq() + " after " + g.failedAttempts() + " failed attempts, last: " + g.problem());
    }

    @Override
    public void stopped(long t, String reason, int unfinished) {
        line(t, Arrow.PROBLEM, "stop", reason + " -> give up the run, " + unfinished + " message" + (unfinished == 1 ? "" : "s")
                + " not delivered with it");
    }

    private void line(long t, Arrow arrow, String event, String detail) {
        sink.accept(new TraceEvent(t, arrow, event, detail));
    }

    private static String text(String s) {
        return TraceEvent.text(s);
    }

    static String preview(byte[] payload) {
        return TraceEvent.preview(payload);
    }
}
