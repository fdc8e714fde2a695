package dev.wirelab.part3;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.wirelab.part2.Delivery;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The experiment's server-side check finds the mistakes part 2's de-duplication cannot hide. */
class ExperimentCheckTest {

    private static final List<byte[]> SENT = List.of("a".getBytes(UTF_8), "b".getBytes(UTF_8), "c".getBytes(UTF_8));

    private static Delivery d(String id, long seq, String payload) {
        return new Delivery(id, seq, payload.getBytes(UTF_8));
    }

    @Test
    void everyMessageOnceUnderTheSessionIsCorrect() {
        assertEquals(new Experiment.Check(3, 0, 0),
                Experiment.check(List.of(d("s#1", 1, "a"), d("s#1", 2, "b"), d("s#1", 3, "c")), SENT, "s#1"));
    }

    @Test
    void aMessageSentUnderTwoSequenceNumbersIsDeliveredTwice() {
        // the server delivers (s#1, 2) and (s#1, 3) once each, yet "b" reached the handler twice
        Experiment.Check c = Experiment.check(List.of(d("s#1", 1, "a"), d("s#1", 2, "b"), d("s#1", 3, "b")), SENT, "s#1");
        assertEquals(1, c.deliveredTwice());
        assertEquals(1, c.wrong(), "seq 3 did not carry the third message");
        assertEquals(2, c.deliveredIntact());
    }

    @Test
    void aSequenceNumberSentUnderAnotherClientIdIsDeliveredTwiceAndWrong() {
        // a client that changed its id on reconnect: the server cannot recognise the retransmission
        Experiment.Check c = Experiment.check(List.of(d("s#1", 1, "a"), d("s#2", 1, "a"), d("s#1", 2, "b"), d("s#1", 3, "c")),
                SENT, "s#1");
        assertEquals(1, c.deliveredTwice());
        assertEquals(1, c.wrong());
        assertEquals(3, c.deliveredIntact());
    }

    @Test
    void aMissingMessageIsNotCountedAsDelivered() {
        assertEquals(new Experiment.Check(2, 0, 0), Experiment.check(List.of(d("s#1", 1, "a"), d("s#1", 3, "c")), SENT, "s#1"));
    }
}
