package dev.wirelab.part3;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The notes on stderr: enough to show a retry is not a hang, never a flood. */
class ProgressNotesTest {

    private static long ms(long millis) {
        return TimeUnit.MILLISECONDS.toNanos(millis);
    }

    @Test
    void atMostOneNoteASecondSayingHowManyWereLeftOut() {
        StringWriter err = new StringWriter();
        ProgressNotes notes = new ProgressNotes(new PrintWriter(err, true), 10);
        notes.connectFailed(ms(0), "server answered HELLO with ERROR \"Packet Loss\"", ms(2));
        notes.connectFailed(ms(5), "corrupt reply to HELLO", ms(2));
        notes.connectFailed(ms(300), "server answered HELLO with ERROR \"Packet Loss\"", ms(2));
        notes.timeout(ms(900), new SendWindow.Failure.Retry(4, Cause.TIMEOUT, 3), ms(200));
        notes.connectFailed(ms(1100), "corrupt reply to HELLO", ms(3));
        notes.connectFailed(ms(1200), "corrupt reply to HELLO", ms(3));
        assertEquals(List.of(
                "note: server answered HELLO with ERROR \"Packet Loss\"; connecting again in 2.000 ms",
                "note: corrupt reply to HELLO; connecting again in 3.000 ms (3 more notes since the last one)"),
                err.toString().lines().toList());
    }

    @Test
    void aConnectThatIsNotRetriedAndAFewFailuresAreNoNote() {
        StringWriter err = new StringWriter();
        ProgressNotes notes = new ProgressNotes(new PrintWriter(err, true), 10);
        notes.connectFailed(ms(0), "no reply to HELLO within 1000.0 ms", 0);
        notes.timeout(ms(10), new SendWindow.Failure.Retry(1, Cause.TIMEOUT, ProgressNotes.NOTE_FROM_ATTEMPT - 1), ms(200));
        assertEquals("", err.toString());
    }
}
