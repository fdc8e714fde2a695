package dev.wirelab.part3;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * The sender half of Selective Repeat, with no I/O and no clock of its own: which messages may be
 * sent now, which timers expired, and what an ACK or ERROR means for the message it names.
 *
 * <p>Message {@code i} (0-based) carries sequence number {@code firstSeq + i}. At most {@code window}
 * consecutive sequence numbers, starting at the oldest message not yet finished, may be in flight
 * (window 1 = stop-and-wait). Every message has its own timer, so a loss costs the retransmission of
 * that one message only, not of everything after it as in Go-Back-N.
 *
 * <p>Attempts: a message is given up once {@code maxAttempts} of its transmissions failed because of
 * it (its timer expired, the server answered ERROR for it, or the reply the stream broke on was its
 * own). Messages that were merely in flight on a connection that broke are resent without being
 * charged; the blame goes to the oldest message in flight, whose reply was the one due next.
 *
 * <p>The server answers every DATA on a connection, in order. A message that timed out and was sent
 * again has two transmissions waiting for an answer, so the window counts, per message, the
 * transmissions on the current connection not answered yet: an ERROR counts as a failed attempt only
 * when it answers the latest of them, else it is the late answer to an earlier one. A valid ACK proves
 * delivery whichever transmission it answers, even for a message already given up.
 */
public final class SendWindow {

    /** Where a message stands. */
    public enum State { WAITING, IN_FLIGHT, DUE, ACKED, FAILED }

    /** One transmission the caller should perform now. */
    public record Transmission(long seq, byte[] payload, int number, Cause cause) {
        /** True for a retransmission; {@link #cause} says why. */
        public boolean isRetransmission() {
            return number > 1;
        }
    }

    /** What an ACK turned out to be. */
    public sealed interface AckOutcome {
        /**
         * The ACK the message was waiting for; {@code rttNanos} is -1 when Karn's rule forbids a
         * sample. {@code overtaken} lists the messages this ACK proved lost (fast retransmit).
         * {@code late}: the message had been given up, and this late reply shows it was delivered.
         */
        record Accepted(long seq, long rttNanos, int transmissions, List<Failure> overtaken, boolean late) implements AckOutcome { }

        /** For a message already finished or never sent: a duplicate or late ACK, to be ignored. */
        record Stale(long seq, String why) implements AckOutcome { }

        /** Right sequence number, wrong echoed payload: treat as a corrupt reply. */
        record Mismatch(long seq) implements AckOutcome { }
    }

    /** What happened to a message that failed an attempt. */
    public sealed interface Failure {
        long seq();

        /** It will be sent again. */
        record Retry(long seq, Cause cause, int failedAttempts) implements Failure { }

        /** It is given up. */
        record GaveUp(long seq, Cause cause, int failedAttempts, String problem) implements Failure { }

        /** An ERROR that names no message in flight: ignored. */
        record Stale(long seq, String why) implements Failure { }
    }

    /** A message that could not be delivered. */
    public record Failed(long seq, byte[] payload, int transmissions, String problem) { }

    private static final class Msg {
        final long seq;
        final byte[] payload;
        State state = State.WAITING;
        int transmissions;
        int failedAttempts;
        long sentAt;
        long deadline;
        int laterAcks;
        /** Transmissions on the current connection the server has not answered yet. */
        int unanswered;
        Cause pendingCause;
        String problem = "";

        Msg(long seq, byte[] payload) {
            this.seq = seq;
            this.payload = payload;
        }
    }

    /** ACKs for later messages after which an unanswered message counts as lost. */
    public static final int FAST_RETRANSMIT_THRESHOLD = 3;

    private final Msg[] msgs;
    private final long firstSeq;
    private final int window;
    private final int maxAttempts;
    private int base;
    private int nextNew;
    private int finished;
    private int delivered;
    private long transmissions;
    private long staleAcks;
    private long deliveredBytes;
    private long latestExpiredSentAt;
    private final Map<Cause, Long> retransmissions = new EnumMap<>(Cause.class);

    /** {@code payloads} are kept, not copied, until the window is done: do not modify them meanwhile. */
    public SendWindow(List<byte[]> payloads, long firstSeq, int window, int maxAttempts) {
        if (window < 1) {
            throw new IllegalArgumentException("window must be at least 1, got " + window);
        }
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("max attempts must be at least 1, got " + maxAttempts);
        }
        if (firstSeq < 1 || firstSeq - 1 + payloads.size() > dev.wirelab.common.Frame.MAX_SEQ) {
            throw new IllegalArgumentException("sequence numbers " + firstSeq + ".." + (firstSeq - 1 + payloads.size())
                    + " do not fit in 1.." + dev.wirelab.common.Frame.MAX_SEQ);
        }
        this.msgs = new Msg[payloads.size()];
        for (int i = 0; i < msgs.length; i++) {
            // Not copied: a run may hold hundreds of MiB of messages. The caller must not change them.
            msgs[i] = new Msg(firstSeq + i, payloads.get(i));
        }
        this.firstSeq = firstSeq;
        this.window = window;
        this.maxAttempts = maxAttempts;
        for (Cause c : Cause.values()) {
            retransmissions.put(c, 0L);
        }
    }

    /** When the most recently sent of the messages returned by the last {@link #expire} call was sent. */
    public long latestExpiredSentAt() {
        return latestExpiredSentAt;
    }

    /** Everything that should be sent now, oldest first: messages due again, then new ones the window admits. */
    public List<Transmission> due() {
        List<Transmission> out = new ArrayList<>();
        for (int i = base; i < nextNew; i++) {
            Msg m = msgs[i];
            if (m.state == State.DUE) {
                out.add(new Transmission(m.seq, m.payload, m.transmissions + 1, m.pendingCause));
            }
        }
        for (int i = nextNew; i < msgs.length && i < base + window; i++) {
            out.add(new Transmission(msgs[i].seq, msgs[i].payload, 1, null));
        }
        return out;
    }

    /** Records that {@code seq} went out at {@code now} and will time out at {@code deadline}. */
    public void sent(long seq, long now, long deadline) {
        int i = index(seq);
        Msg m = msgs[i];
        if (m.state != State.WAITING && m.state != State.DUE) {
            throw new IllegalStateException("seq " + seq + " is " + m.state + ", not ready to send");
        }
        if (m.state == State.WAITING) {
            if (i != nextNew) {
                throw new IllegalStateException("new messages go out in order: expected seq " + (firstSeq + nextNew));
            }
            nextNew++;
        } else {
            retransmissions.merge(m.pendingCause, 1L, Long::sum);
        }
        m.state = State.IN_FLIGHT;
        m.transmissions++;
        m.sentAt = now;
        m.deadline = deadline;
        m.laterAcks = 0;
        m.unanswered++;
        m.pendingCause = null;
        transmissions++;
    }

    /** An ACK arrived with this sequence number and echoed payload. */
    public AckOutcome onAck(long seq, byte[] echoed, long now) {
        int i = indexOrMinus1(seq);
        if (i < 0) {
            staleAcks++;
            return new AckOutcome.Stale(seq, seq == 0 ? "a repeated HELLO acknowledgment" : "no such message");
        }
        Msg m = msgs[i];
        switch (m.state) {
            case ACKED -> {
                staleAcks++;
                return new AckOutcome.Stale(seq, "already acknowledged");
            }
            case FAILED -> {
                if (java.util.Arrays.equals(m.payload, echoed)) {
                    // Given up too early (say, its timer fired while the ACK was on its way): the
                    // server has it, and the user must not be told otherwise.
                    m.state = State.ACKED;
                    m.problem = "";
                    delivered++;
                    deliveredBytes += m.payload.length;
                    return new AckOutcome.Accepted(seq, -1, m.transmissions, List.of(), true);
                }
                staleAcks++;
                return new AckOutcome.Stale(seq, "already given up");
            }
            case WAITING -> {
                staleAcks++;
                return new AckOutcome.Stale(seq, "never sent");
            }
            default -> {
            }
        }
        if (!java.util.Arrays.equals(m.payload, echoed)) {
            return new AckOutcome.Mismatch(seq);
        }
        // DUE: the ACK of an earlier transmission arrived before the resend went out; it proves
        // delivery all the same, so the resend is skipped.
        boolean wasInFlight = m.state == State.IN_FLIGHT;
        long rtt = wasInFlight && m.transmissions == 1 ? now - m.sentAt : -1;
        m.state = State.ACKED;
        delivered++;
        deliveredBytes += m.payload.length;
        // Only an ACK that surely answers the latest transmission says when the answered DATA was
        // sent; with an earlier one unanswered too, it may answer that one, sent before the others.
        List<Failure> overtaken = wasInFlight && m.unanswered == 1 ? overtakenBy(m) : List.of();
        finish(i);
        return new AckOutcome.Accepted(seq, rtt, m.transmissions, overtaken, false);
    }

    /**
     * Messages sent before {@code acked} and still unanswered have been overtaken by one more ACK.
     * The server replies in order, so after {@link #FAST_RETRANSMIT_THRESHOLD} of them the reply is
     * surely lost. Three, as in TCP, leaves room for a reply merely late.
     */
    private List<Failure> overtakenBy(Msg acked) {
        List<Failure> out = List.of();
        for (int k = base; k < nextNew; k++) {
            Msg m = msgs[k];
            if (m.state == State.IN_FLIGHT && m.sentAt - acked.sentAt < 0 && ++m.laterAcks >= FAST_RETRANSMIT_THRESHOLD) {
                if (out.isEmpty()) {
                    out = new ArrayList<>();
                }
                // Replies come in order: every earlier transmission of it is answered or lost by now.
                m.unanswered = 0;
                out.add(charge(k, Cause.FAST_RETRANSMIT, FAST_RETRANSMIT_THRESHOLD + " later messages were acknowledged first"));
            }
        }
        return out;
    }

    /**
     * The server answered ERROR for {@code seq}. It fails the message's latest transmission only if
     * that is the one it answers: with earlier transmissions still unanswered, it answers the oldest.
     */
    public Failure onError(long seq, String reason) {
        int i = indexOrMinus1(seq);
        if (i < 0) {
            return new Failure.Stale(seq, "no such message");
        }
        Msg m = msgs[i];
        if (m.state == State.IN_FLIGHT && m.unanswered == 1) {
            m.unanswered = 0;
            return charge(i, Cause.ERROR_REPLY, "error reply \"" + reason + "\"");
        }
        boolean earlier = m.unanswered > 0;
        if (earlier) {
            m.unanswered--;
        }
        String why = switch (m.state) {
            case IN_FLIGHT -> earlier ? "answers an earlier transmission" : "answers no transmission on this connection";
            case DUE -> "already due for resending";
            case ACKED -> "already acknowledged";
            case FAILED -> "already given up";
            case WAITING -> "never sent";
        };
        return new Failure.Stale(seq, why);
    }

    /** Every in-flight message whose timer expired by {@code now}, charged with a timeout, oldest seq first. */
    public List<Failure> expire(long now) {
        List<Failure> out = new ArrayList<>();
        for (int i = base; i < nextNew; i++) {
            Msg m = msgs[i];
            if (m.state == State.IN_FLIGHT && now - m.deadline >= 0) {
                if (out.isEmpty() || m.sentAt - latestExpiredSentAt > 0) {
                    latestExpiredSentAt = m.sentAt;
                }
                out.add(charge(i, Cause.TIMEOUT, "no reply within " + Summary.millis(m.deadline - m.sentAt)));
            }
        }
        return out;
    }

    /**
     * The connection broke ({@code cause} CORRUPT or CONNECTION_LOST). With {@code blameOldest} the
     * oldest message in flight is charged; every other message in flight is queued to be resent on
     * the next connection without charge.
     */
    public List<Failure> connectionLost(Cause cause, String problem, boolean blameOldest) {
        int oldest = -1;
        for (int i = base; i < nextNew; i++) {
            if (msgs[i].state == State.IN_FLIGHT && (oldest < 0 || msgs[i].sentAt - msgs[oldest].sentAt < 0)) {
                oldest = i;
            }
        }
        return lost(cause, problem, blameOldest ? oldest : -1);
    }

    /**
     * The connection broke on a reply that names {@code blamedSeq} (an ACK echoing a different
     * payload): that message is charged if it is in flight; the others are resent without charge.
     */
    public List<Failure> connectionLost(Cause cause, String problem, long blamedSeq) {
        int i = indexOrMinus1(blamedSeq);
        return lost(cause, problem, i >= 0 && msgs[i].state == State.IN_FLIGHT ? i : -1);
    }

    private List<Failure> lost(Cause cause, String problem, int blamed) {
        List<Failure> out = new ArrayList<>();
        for (int i = base; i < nextNew; i++) {
            msgs[i].unanswered = 0;
        }
        for (int i = base; i < nextNew; i++) {
            Msg m = msgs[i];
            if (m.state == State.IN_FLIGHT) {
                if (i == blamed) {
                    out.add(charge(i, cause, problem));
                } else {
                    m.state = State.DUE;
                    m.pendingCause = cause;
                    out.add(new Failure.Retry(m.seq, cause, m.failedAttempts));
                }
            } else if (m.state == State.DUE) {
                // Already due for another reason; the connection it would have gone out on is gone.
                out.add(new Failure.Retry(m.seq, m.pendingCause, m.failedAttempts));
            }
        }
        return out;
    }

    /** Gives up every unfinished message, e.g. when the server cannot be reached at all. */
    public List<Failed> failAll(String problem) {
        for (int i = base; i < msgs.length; i++) {
            Msg m = msgs[i];
            if (m.state != State.ACKED && m.state != State.FAILED) {
                m.state = State.FAILED;
                m.problem = problem;
                finish(i);
            }
        }
        return failed();
    }

    /** The earliest timer of a message in flight, or {@link Long#MAX_VALUE} when nothing is in flight. */
    public long nextDeadline() {
        long earliest = Long.MAX_VALUE;
        boolean any = false;
        for (int i = base; i < nextNew; i++) {
            Msg m = msgs[i];
            if (m.state == State.IN_FLIGHT && (!any || m.deadline - earliest < 0)) {
                earliest = m.deadline;
                any = true;
            }
        }
        return earliest;
    }

    public boolean isFinished() {
        return finished == msgs.length;
    }

    public State state(long seq) {
        return msgs[index(seq)].state;
    }

    public int inFlightCount() {
        int n = 0;
        for (int i = base; i < nextNew; i++) {
            if (msgs[i].state == State.IN_FLIGHT) {
                n++;
            }
        }
        return n;
    }

    public int size() {
        return msgs.length;
    }

    public int delivered() {
        return delivered;
    }

    public long deliveredBytes() {
        return deliveredBytes;
    }

    public long transmissions() {
        return transmissions;
    }

    public long staleAcks() {
        return staleAcks;
    }

    /** Retransmissions so far, by why they were needed. */
    public Map<Cause, Long> retransmissions() {
        return new EnumMap<>(retransmissions);
    }

    /** Messages given up so far. */
    public int failedCount() {
        int n = 0;
        for (Msg m : msgs) {
            n += m.state == State.FAILED ? 1 : 0;
        }
        return n;
    }

    public List<Failed> failed() {
        List<Failed> out = new ArrayList<>();
        for (Msg m : msgs) {
            if (m.state == State.FAILED) {
                out.add(new Failed(m.seq, m.payload.clone(), m.transmissions, m.problem));
            }
        }
        return out;
    }

    private Failure charge(int i, Cause cause, String problem) {
        Msg m = msgs[i];
        m.failedAttempts++;
        m.problem = problem;
        if (m.failedAttempts >= maxAttempts) {
            m.state = State.FAILED;
            finish(i);
            return new Failure.GaveUp(m.seq, cause, m.failedAttempts, problem);
        }
        m.state = State.DUE;
        m.pendingCause = cause;
        return new Failure.Retry(m.seq, cause, m.failedAttempts);
    }

    private void finish(int i) {
        finished++;
        while (base < msgs.length && (msgs[base].state == State.ACKED || msgs[base].state == State.FAILED)) {
            base++;
        }
    }

    private int index(long seq) {
        int i = indexOrMinus1(seq);
        if (i < 0) {
            throw new IllegalArgumentException("no message with seq " + seq);
        }
        return i;
    }

    private int indexOrMinus1(long seq) {
        long i = seq - firstSeq;
        return i < 0 || i >= msgs.length ? -1 : (int) i;
    }
}
