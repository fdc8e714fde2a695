package dev.wirelab.part3;

import java.io.PrintWriter;
import java.util.concurrent.TimeUnit;

/**
 * What the client says on stderr without {@code --trace}: a {@code note:} line when a connect is
 * retried or messages keep failing, so a long retry does not look like a hang; at most one line a
 * second, saying how many were left out, so a lossy server that rejects hundreds of HELLOs in a
 * few seconds does not bury the result under hundreds of lines.
 */
final class ProgressNotes implements ClientListener {

    /** Failed transmissions of one message from which its retries are worth a note. */
    static final int NOTE_FROM_ATTEMPT = 3;
    private static final long INTERVAL = TimeUnit.SECONDS.toNanos(1);

    private final PrintWriter err;
    private final int messages;
    private int delivered;
    private long lastNote = Long.MIN_VALUE;
    private int skipped;

    ProgressNotes(PrintWriter err, int messages) {
        this.err = err;
        this.messages = messages;
    }

    @Override
    public void connectFailed(long t, String why, long retryInNanos) {
        if (retryInNanos > 0) {
            note(t, why + "; connecting again in " + Summary.millis(retryInNanos));
        }
    }

    @Override
    public void ack(long t, long seq, long rttNanos, long rtoNanos, int transmissions) {
        delivered++;
    }

    @Override
    public void lateAck(long t, long seq, int transmissions) {
        delivered++;
    }

    @Override
    public void timeout(long t, SendWindow.Failure outcome, long rtoNanos) {
        retrying(t, outcome, "no reply in time");
    }

    @Override
    public void errorReply(long t, long seq, String reason, SendWindow.Failure outcome) {
        retrying(t, outcome, "error reply \"" + reason + "\"");
    }

    @Override
    public void reconnectDelay(long t, long waitNanos, int lostInARow) {
        note(t, lostInARow + " connections in a row lost before any ACK; connecting again in " + Summary.millis(waitNanos));
    }

    private void retrying(long t, SendWindow.Failure outcome, String why) {
        if (outcome instanceof SendWindow.Failure.Retry r && r.failedAttempts() >= NOTE_FROM_ATTEMPT) {
            note(t, "seq " + r.seq() + " failed " + r.failedAttempts() + " times (last: " + why + "), sending it again; "
                    + delivered + " of " + messages + " delivered after " + ResilientClient.seconds(java.time.Duration.ofNanos(t)));
        }
    }

    private void note(long t, String text) {
        if (lastNote != Long.MIN_VALUE && t - lastNote < INTERVAL) {
            skipped++;
            return;
        }
        lastNote = t;
        err.println("note: " + text + (skipped == 0 ? "" : " (" + skipped + " more note" + (skipped == 1 ? "" : "s") + " since the last one)"));
        err.flush();
        skipped = 0;
    }
}
