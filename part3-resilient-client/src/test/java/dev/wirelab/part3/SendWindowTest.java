package dev.wirelab.part3;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wirelab.part3.SendWindow.AckOutcome;
import dev.wirelab.part3.SendWindow.Failure;
import dev.wirelab.part3.SendWindow.State;
import dev.wirelab.part3.SendWindow.Transmission;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The sender's state machine driven by hand, with made-up times in place of a clock. */
class SendWindowTest {

    private static final long TIMEOUT = 100;

    private static List<byte[]> messages(int n) {
        List<byte[]> out = new ArrayList<>();
        for (int i = 1; i <= n; i++) {
            out.add(("m" + i).getBytes(UTF_8));
        }
        return out;
    }

    private static List<Long> sendAll(SendWindow w, long now) {
        List<Long> seqs = new ArrayList<>();
        for (Transmission tx : w.due()) {
            w.sent(tx.seq(), now, now + TIMEOUT);
            seqs.add(tx.seq());
        }
        return seqs;
    }

    private static byte[] m(int i) {
        return ("m" + i).getBytes(UTF_8);
    }

    @Test
    void stopAndWaitSendsTheNextMessageOnlyAfterTheAck() {
        SendWindow w = new SendWindow(messages(3), 1, 1, 5);
        assertEquals(List.of(1L), sendAll(w, 0));
        assertEquals(List.of(), sendAll(w, 1));
        assertInstanceOf(AckOutcome.Accepted.class, w.onAck(1, m(1), 10));
        assertEquals(List.of(2L), sendAll(w, 11));
    }

    @Test
    void aWindowKeepsThatManyConsecutiveSequenceNumbersInFlight() {
        SendWindow w = new SendWindow(messages(10), 1, 4, 5);
        assertEquals(List.of(1L, 2L, 3L, 4L), sendAll(w, 0));
        // Selective Repeat: an ACK above the base is kept, but the window only slides with the base.
        w.onAck(3, m(3), 5);
        assertEquals(List.of(), sendAll(w, 6));
        w.onAck(1, m(1), 7);
        assertEquals(List.of(5L), sendAll(w, 8));
        w.onAck(2, m(2), 9);
        assertEquals(List.of(6L, 7L), sendAll(w, 10));
        assertEquals(4, w.inFlightCount());
    }

    @Test
    void anAckForADeliveredMessageIsStaleAndChangesNothing() {
        SendWindow w = new SendWindow(messages(2), 1, 2, 5);
        sendAll(w, 0);
        assertInstanceOf(AckOutcome.Accepted.class, w.onAck(1, m(1), 5));
        AckOutcome again = w.onAck(1, m(1), 6);
        assertInstanceOf(AckOutcome.Stale.class, again);
        assertEquals(1, w.delivered());
        assertEquals(1, w.staleAcks());
        assertInstanceOf(AckOutcome.Stale.class, w.onAck(99, m(1), 7), "a seq never used");
        assertInstanceOf(AckOutcome.Stale.class, w.onAck(0, new byte[0], 7), "a repeated HELLO ACK");
        assertEquals(State.IN_FLIGHT, w.state(2));
    }

    @Test
    void anAckEchoingADifferentPayloadIsAMismatchNotADelivery() {
        SendWindow w = new SendWindow(messages(1), 1, 1, 5);
        sendAll(w, 0);
        assertInstanceOf(AckOutcome.Mismatch.class, w.onAck(1, "m?".getBytes(UTF_8), 3));
        assertEquals(0, w.delivered());
        assertEquals(State.IN_FLIGHT, w.state(1));
    }

    @Test
    void theRttIsMeasuredOnlyForMessagesSentOnce() {
        SendWindow w = new SendWindow(messages(2), 1, 2, 5);
        sendAll(w, 1000);
        AckOutcome.Accepted first = (AckOutcome.Accepted) w.onAck(1, m(1), 1040);
        assertEquals(40, first.rttNanos());
        w.onError(2, "Packet Loss");
        sendAll(w, 1050);
        AckOutcome.Accepted second = (AckOutcome.Accepted) w.onAck(2, m(2), 1060);
        assertEquals(-1, second.rttNanos(), "Karn's rule: no sample from a retransmitted message");
        assertEquals(2, second.transmissions());
    }

    @Test
    void anErrorReplyMakesTheMessageDueAgainAndCountsTheCause() {
        SendWindow w = new SendWindow(messages(1), 1, 1, 5);
        sendAll(w, 0);
        assertInstanceOf(Failure.Retry.class, w.onError(1, "Packet Loss"));
        List<Transmission> due = w.due();
        assertEquals(1, due.size());
        assertEquals(2, due.get(0).number());
        assertEquals(Cause.ERROR_REPLY, due.get(0).cause());
        w.sent(1, 10, 10 + TIMEOUT);
        assertEquals(1L, w.retransmissions().get(Cause.ERROR_REPLY));
        assertEquals(2, w.transmissions());
        assertInstanceOf(Failure.Stale.class, w.onError(7, "x"), "an ERROR for a seq never sent");
    }

    @Test
    void aSecondErrorForAMessageAlreadyDueIsIgnored() {
        SendWindow w = new SendWindow(messages(1), 1, 1, 5);
        sendAll(w, 0);
        w.onError(1, "Packet Loss");
        assertInstanceOf(Failure.Stale.class, w.onError(1, "Packet Loss"));
    }

    @Test
    void timersExpireIndividuallyAtTheirDeadline() {
        SendWindow w = new SendWindow(messages(3), 1, 3, 5);
        w.sent(1, 0, 100);
        w.sent(2, 10, 110);
        w.sent(3, 20, 50);
        assertEquals(50, w.nextDeadline());
        assertEquals(List.of(), w.expire(49));
        List<Failure> expired = w.expire(100);
        assertEquals(List.of(1L, 3L), expired.stream().map(Failure::seq).toList());
        assertEquals(State.IN_FLIGHT, w.state(2));
        assertEquals(110, w.nextDeadline());
    }

    @Test
    void expiryReportsWhenTheNewestExpiredMessageWasSentSoTheClientBacksOffOncePerEvent() {
        SendWindow w = new SendWindow(messages(3), 1, 3, 5);
        w.sent(1, 0, 100);
        w.sent(2, 30, 130);
        w.sent(3, 60, 1000);
        w.expire(130);
        assertEquals(30, w.latestExpiredSentAt());
    }

    @Test
    void threeLaterAcksMarkAnUnansweredMessageLostWithoutWaitingForItsTimer() {
        SendWindow w = new SendWindow(messages(5), 1, 5, 5);
        for (int i = 1; i <= 5; i++) {
            w.sent(i, i, 1000);
        }
        assertEquals(List.of(), ((AckOutcome.Accepted) w.onAck(2, m(2), 10)).overtaken());
        assertEquals(List.of(), ((AckOutcome.Accepted) w.onAck(3, m(3), 11)).overtaken());
        AckOutcome.Accepted third = (AckOutcome.Accepted) w.onAck(4, m(4), 12);
        assertEquals(List.of(1L), third.overtaken().stream().map(Failure::seq).toList());
        assertEquals(State.DUE, w.state(1));
        assertEquals(Cause.FAST_RETRANSMIT, w.due().get(0).cause());
        assertEquals(State.IN_FLIGHT, w.state(5), "seq 5 was sent after seq 4: not overtaken");
    }

    @Test
    void aMessageIsGivenUpAfterMaxAttemptsFailures() {
        SendWindow w = new SendWindow(messages(2), 1, 1, 3);
        long now = 0;
        Failure last = null;
        for (int i = 0; i < 3; i++) {
            sendAll(w, now);
            now += TIMEOUT;
            last = w.expire(now).get(0);
        }
        Failure.GaveUp g = assertInstanceOf(Failure.GaveUp.class, last);
        assertEquals(3, g.failedAttempts());
        assertEquals(State.FAILED, w.state(1));
        // the window moves on past the failed message
        assertEquals(List.of(2L), sendAll(w, now));
        w.onAck(2, m(2), now + 1);
        assertTrue(w.isFinished());
        assertEquals(List.of(1L), w.failed().stream().map(SendWindow.Failed::seq).toList());
    }

    @Test
    void aBrokenConnectionBlamesTheOldestMessageAndResendsTheRestFree() {
        SendWindow w = new SendWindow(messages(3), 1, 3, 2);
        w.sent(1, 0, 1000);
        w.sent(2, 1, 1000);
        w.sent(3, 2, 1000);
        w.onAck(1, m(1), 5);
        List<Failure> out = w.connectionLost(Cause.CONNECTION_LOST, "reset", true);
        assertEquals(2, out.size());
        assertEquals(1, ((Failure.Retry) out.get(0)).failedAttempts(), "seq 2 was the oldest in flight");
        assertEquals(0, ((Failure.Retry) out.get(1)).failedAttempts(), "seq 3 was collateral");
        assertEquals(List.of(2L, 3L), w.due().stream().map(Transmission::seq).toList());
        assertEquals(Long.MAX_VALUE, w.nextDeadline());
        // a second loss gives seq 2 up (max 2) and still only re-queues seq 3
        sendAll(w, 10);
        out = w.connectionLost(Cause.CORRUPT, "crc", true);
        assertInstanceOf(Failure.GaveUp.class, out.get(0));
        assertInstanceOf(Failure.Retry.class, out.get(1));
        assertFalse(w.isFinished());
    }

    @Test
    void aBrokenConnectionCanBlameTheMessageTheBadReplyNamed() {
        SendWindow w = new SendWindow(messages(3), 1, 3, 2);
        sendAll(w, 0);
        List<Failure> out = w.connectionLost(Cause.CORRUPT, "wrong echo", 3L);
        assertEquals(List.of(0, 0, 1), out.stream().map(f -> ((Failure.Retry) f).failedAttempts()).toList());
    }

    @Test
    void anAckForAMessageWaitingToBeResentStillDeliversIt() {
        SendWindow w = new SendWindow(messages(1), 1, 1, 5);
        sendAll(w, 0);
        w.expire(TIMEOUT);
        assertEquals(State.DUE, w.state(1));
        assertInstanceOf(AckOutcome.Accepted.class, w.onAck(1, m(1), TIMEOUT + 1));
        assertTrue(w.isFinished());
        assertEquals(List.of(), w.due());
    }

    @Test
    void failAllGivesUpEverythingUnfinished() {
        SendWindow w = new SendWindow(messages(3), 1, 1, 5);
        sendAll(w, 0);
        w.onAck(1, m(1), 1);
        assertEquals(2, w.failAll("server unreachable").size());
        assertTrue(w.isFinished());
        assertEquals(1, w.delivered());
    }

    @Test
    void anErrorAnsweringAnEarlierTransmissionIsNotChargedToTheLatest() {
        SendWindow w = new SendWindow(messages(1), 1, 1, 2);
        w.sent(1, 0, TIMEOUT);
        assertInstanceOf(Failure.Retry.class, w.expire(TIMEOUT).get(0));
        w.sent(1, TIMEOUT + 10, 3 * TIMEOUT);
        Failure late = w.onError(1, "Packet Loss");
        assertEquals(new Failure.Stale(1, "answers an earlier transmission"), late);
        assertEquals(State.IN_FLIGHT, w.state(1));
        // the next ERROR answers the latest transmission: the second failed attempt of two
        assertInstanceOf(Failure.GaveUp.class, w.onError(1, "Packet Loss"));
    }

    @Test
    void aValidAckForAGivenUpMessageTurnsItIntoADelivery() {
        SendWindow w = new SendWindow(messages(1), 1, 1, 1);
        w.sent(1, 0, TIMEOUT);
        assertInstanceOf(Failure.GaveUp.class, w.expire(TIMEOUT).get(0));
        assertTrue(w.isFinished());
        assertInstanceOf(AckOutcome.Stale.class, w.onAck(1, "m?".getBytes(UTF_8), TIMEOUT + 1), "a wrong echo proves nothing");
        AckOutcome.Accepted a = assertInstanceOf(AckOutcome.Accepted.class, w.onAck(1, m(1), TIMEOUT + 2));
        assertTrue(a.late());
        assertEquals(1, w.delivered());
        assertEquals(List.of(), w.failed());
        assertEquals(State.ACKED, w.state(1));
    }

    @Test
    void anAckThatMayAnswerAnEarlierTransmissionOvertakesNothing() {
        // 1..3 time out and are resent after 4 went out; their ACKs may answer the first
        // transmissions, sent before 4, so they say nothing about 4's reply.
        SendWindow w = new SendWindow(messages(4), 1, 4, 5);
        w.sent(1, 0, 100);
        w.sent(2, 1, 100);
        w.sent(3, 2, 100);
        w.sent(4, 50, 1000);
        assertEquals(3, w.expire(100).size());
        for (int i = 1; i <= 3; i++) {
            w.sent(i, 110, 1000);
        }
        for (int i = 1; i <= 3; i++) {
            assertEquals(List.of(), ((AckOutcome.Accepted) w.onAck(i, m(i), 120)).overtaken());
        }
        assertEquals(State.IN_FLIGHT, w.state(4));
    }
}
