package dev.wirelab.part3;

import dev.wirelab.common.Bytes;
import java.io.PrintWriter;
import java.util.Locale;

/**
 * The {@code --trace} output: one line per event, client-to-server lines marked {@code -->},
 * server-to-client lines {@code <--}, and problems {@code !!} — read top to bottom it is the ladder
 * diagram of the exchange.
 */
public final class TracePrinter implements ClientListener {

    private static final int PREVIEW = 24;
    private final PrintWriter out;

    public TracePrinter(PrintWriter out) {
        this.out = out;
    }

    @Override
    public void connecting(long t, String address, int attempt) {
        line(t, "   ", "connect", address + (attempt > 1 ? " (attempt " + attempt + ")" : ""));
    }

    @Override
    public void helloSent(long t, String clientId) {
        line(t, "-->", "HELLO", "session id \"" + text(clientId) + "\"");
    }

    @Override
    public void connected(long t, String clientId, long helloRttNanos) {
        line(t, "<--", "ACK 0", "HELLO accepted for session id \"" + text(clientId) + "\" (rtt " + Summary.millis(helloRttNanos) + ")");
    }

    @Override
    public void connectFailed(long t, String why, long retryInNanos) {
        line(t, "!! ", "no connect", why + (retryInNanos > 0 ? "; retry in " + Summary.millis(retryInNanos) : ""));
    }

    @Override
    public void send(long t, SendWindow.Transmission tx, long timeoutNanos) {
        String what = preview(tx.payload()) + " (" + tx.payload().length + " bytes)";
        if (tx.isRetransmission()) {
            what += ", retransmission " + (tx.number() - 1) + " after " + tx.cause().label();
        }
        line(t, "-->", "DATA " + tx.seq(), what + ", timer " + Summary.millis(timeoutNanos));
    }

    @Override
    public void ack(long t, long seq, long rttNanos, long rtoNanos, int transmissions) {
        String rtt = rttNanos >= 0 ? "rtt " + Summary.millis(rttNanos) + ", rto now " + Summary.millis(rtoNanos)
                : "sent " + transmissions + " times, no RTT sample (Karn's rule)";
        line(t, "<--", "ACK " + seq, "delivered, echo matches; " + rtt);
    }

    @Override
    public void lateAck(long t, long seq, int transmissions) {
        line(t, "<--", "ACK " + seq, "delivered after all, echo matches: a late reply for a message given up after "
                + transmissions + " transmission" + (transmissions == 1 ? "" : "s"));
    }

    @Override
    public void staleAck(long t, long seq, String why) {
        line(t, "<--", "ACK " + seq, "stale (" + why + "), ignored");
    }

    @Override
    public void errorReply(long t, long seq, String reason, SendWindow.Failure outcome) {
        String then = switch (outcome) {
            case SendWindow.Failure.Retry r -> "resend";
            case SendWindow.Failure.GaveUp g -> "give up";
            case SendWindow.Failure.Stale s -> "stale (" + s.why() + "), ignored";
        };
        line(t, "<--", "ERROR " + seq, "\"" + reason + "\" -> " + then);
    }

    @Override
    public void timeout(long t, SendWindow.Failure outcome, long rtoNanos) {
        line(t, "!! ", "timeout", "DATA " + outcome.seq() + ": no reply in time -> "
                + (outcome instanceof SendWindow.Failure.GaveUp ? "give up" : "resend") + ", rto backed off to "
                + Summary.millis(rtoNanos));
    }

    @Override
    public void overtaken(long t, SendWindow.Failure outcome) {
        line(t, "!! ", "overtaken", "DATA " + outcome.seq() + ": " + SendWindow.FAST_RETRANSMIT_THRESHOLD
                + " later messages were acknowledged first, its reply is lost -> "
                + (outcome instanceof SendWindow.Failure.GaveUp ? "give up" : "resend now (fast retransmit)"));
    }

    @Override
    public void corrupt(long t, String detail) {
        line(t, "!! ", "corrupt", detail + " -> drop the connection, reconnect, resend");
    }

    @Override
    public void connectionLost(long t, String detail) {
        line(t, "!! ", "lost", detail + " -> reconnect, resend what is unacknowledged");
    }

    @Override
    public void reconnectDelay(long t, long waitNanos, int lostInARow) {
        line(t, "   ", "wait", Summary.millis(waitNanos) + " before connecting again: " + lostInARow
                + (lostInARow == 1 ? " connection" : " connections in a row") + " lost before any ACK");
    }

    @Override
    public void gaveUp(long t, SendWindow.Failure.GaveUp g) {
        line(t, "!! ", "give up", "DATA " + g.seq() + " after " + g.failedAttempts() + " failed attempts, last: " + g.problem());
    }

    @Override
    public void stopped(long t, String reason, int unfinished) {
        line(t, "!! ", "stop", reason + " -> give up the run, " + unfinished + " message" + (unfinished == 1 ? "" : "s")
                + " not delivered with it");
    }

    private void line(long t, String arrow, String event, String detail) {
        out.println(String.format(Locale.ROOT, "%10.3f ms  %s %-10s %s", t / 1e6, arrow, event, detail));
        out.flush();
    }

    /** Text from the user or the server, made safe for one terminal line. */
    static String text(String s) {
        return Bytes.escape(s.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    static String preview(byte[] payload) {
        int n = Math.min(payload.length, PREVIEW);
        String s = "\"" + Bytes.escape(payload, 0, n) + "\"";
        return n < payload.length ? s + "..." : s;
    }
}
