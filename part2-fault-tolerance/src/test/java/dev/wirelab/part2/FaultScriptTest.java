package dev.wirelab.part2;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FaultScriptTest {

    @Test
    void everySelectorAndActionParsesWithItsLineNumber() {
        FaultScript s = FaultScript.parse("faults.txt", """
                # lose the first ACK of message 3
                seq 3: ack-drop
                seq 3 #2: drop   # its first retransmission
                hello #2: error
                hello: delay 200ms
                reply 7: corrupt byte 4
                every reply 10: corrupt
                after 1.5s: stall 2s
                every seq 5: duplicate
                reply 1: reset

                reply 2: reorder
                """);
        List<FaultScript.Rule> r = s.rules();
        assertEquals(10, r.size());
        assertEquals(2, r.get(0).line());
        assertEquals(new FaultScript.Selector.Seq(3, 1), r.get(0).selector());
        assertEquals(new Fault.AckDrop(), r.get(0).action());
        assertEquals(new FaultScript.Selector.Seq(3, 2), r.get(1).selector());
        assertEquals(new Fault.Drop(), r.get(1).action());
        assertEquals(new FaultScript.Selector.Hello(2), r.get(2).selector());
        assertEquals(new Fault.Error(), r.get(2).action());
        assertEquals(new FaultScript.Selector.Hello(1), r.get(3).selector());
        assertEquals(new Fault.Delay(Duration.ofMillis(200)), r.get(3).action());
        assertEquals(new Fault.Corrupt(4), r.get(4).action());
        assertTrue(r.get(5).every());
        assertEquals(new Fault.Corrupt(-1), r.get(5).action());
        assertEquals(new FaultScript.Selector.After(Duration.ofMillis(1500)), r.get(6).selector());
        assertEquals(new Fault.Stall(Duration.ofSeconds(2)), r.get(6).action());
        assertEquals(new Fault.Duplicate(), r.get(7).action());
        assertEquals(new Fault.Reset(), r.get(8).action());
        assertEquals(12, r.get(9).line()); // after a blank line
        assertEquals(new Fault.Reorder(), r.get(9).action());
        assertEquals("seq 3 #2: drop", r.get(1).text());
    }

    @Test
    void scriptTextRulesAreSeparatedBySemicolonsAndNumberedInOrder() {
        FaultScript s = FaultScript.parseOneLine("--script-text", "seq 3: ack-drop; every seq 5: drop");
        assertEquals(2, s.rules().size());
        assertEquals(2, s.rules().get(1).line());
        FaultScript.ScriptException e = assertThrows(FaultScript.ScriptException.class,
                () -> FaultScript.parseOneLine("--script-text", "seq 3: drop; seq 4: dorp"));
        assertTrue(e.getMessage().startsWith("--script-text:2: unknown action 'dorp'"), e.getMessage());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "seq 3 drop | f:1: expected 'SELECTOR: ACTION'",
            "seq: drop | f:1: seq N needs a sequence number",
            "seq 0: drop | f:1: seq N needs a sequence number N >= 1, got '0'",
            "seq 3 2: drop | f:1: seq N #K: K is a count from #1",
            "packet 3: drop | f:1: unknown selector 'packet'",
            "seq 3: | f:1: missing action",
            "seq 3: delay 200 | f:1: '200' is not a time",
            "seq 3: delay 2h | f:1: '2h' is not a time",
            "seq 3: stall 61min | f:1: '61min' is more than an hour",
            "seq 3: corrupt byte -1 | f:1: corrupt byte K: K is a byte index from 0",
            "seq 3: corrupt 4 | f:1: corrupt takes 'byte K'",
            "every hello #2: drop | f:1: 'every hello' fires on each HELLO",
            "seq 3: drop now | f:1: unexpected 'now'",
            "after: drop | f:1: after T needs a time",
            "reply 2 3: drop | f:1: unexpected '3'",
    })
    void aScriptWithAnErrorNamesTheFileTheLineAndWhatIsWrong(String rule, String message) {
        FaultScript.ScriptException e = assertThrows(FaultScript.ScriptException.class, () -> FaultScript.parse("f", rule));
        assertTrue(e.getMessage().startsWith(message), e.getMessage());
        assertEquals(1, e.line());
        assertTrue(e instanceof IllegalArgumentException);
    }

    @Test
    void onceRulesFireOnceEveryRulesOnEachMatch() {
        FaultScript.Runner r = FaultScript.parse("f", "seq 1: drop\nevery reply 2: error").runner();
        FaultScript.Request first = new FaultScript.Request(FaultScript.RequestType.DATA, 1, 1, 0, 1, 0);
        assertEquals(1, r.fire(first).size());
        assertEquals(0, r.fire(first).size(), "fired already");
        assertEquals(1, r.fire(new FaultScript.Request(FaultScript.RequestType.LINE, 0, 0, 0, 4, 0)).size());
        assertEquals(1, r.fire(new FaultScript.Request(FaultScript.RequestType.LINE, 0, 0, 0, 6, 0)).size());
        assertFalse(r.fire(new FaultScript.Request(FaultScript.RequestType.LINE, 0, 0, 0, 7, 0)).size() > 0);
    }

    @Test
    void durationsReadAsAScriptWritesThem() {
        assertEquals("200ms", FaultScript.formatDuration(Duration.ofMillis(200)));
        assertEquals("1500ms", FaultScript.formatDuration(Duration.ofMillis(1500)));
        assertEquals("250us", FaultScript.formatDuration(Duration.ofNanos(250_000)));
        assertEquals(Duration.ofMinutes(2), FaultScript.duration("f", 1, "2min"));
    }
}
