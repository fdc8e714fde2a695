package dev.wirelab.grader;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.wirelab.common.Frame;
import dev.wirelab.part3.TraceEvent;
import dev.wirelab.part3.TraceEvent.Arrow;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class LadderTest {

    @Test
    void itsLinesAreThoseOfPart3sTraceForTheSameEvents() {
        Ladder ladder = new Ladder(1_000_000_000L);
        TraceEvent data = TraceEvent.frame(27_502_000L, Arrow.TO_SERVER, Frame.data(1, "Test1".getBytes(StandardCharsets.US_ASCII)), "");
        ladder.add(1_000_000_000L + 2_865_000L, Arrow.NOTE, "connect", "#1 from 127.0.0.1:43527");
        ladder.add(1_000_000_000L + data.tNanos(), data.arrow(), data.event(), data.detail());
        ladder.add(1_000_000_000L + 40_752_000L, Arrow.PROBLEM, "drop", "DATA 1: lost on its way");
        String expected = TraceEvent.ladder(List.of(new TraceEvent(2_865_000L, Arrow.NOTE, "connect", "#1 from 127.0.0.1:43527"),
                data, new TraceEvent(40_752_000L, Arrow.PROBLEM, "drop", "DATA 1: lost on its way")));
        assertEquals(expected.lines().toList(), ladder.last(10));
        assertEquals("    27.502 ms  --> DATA 1     \"Test1\" (5 bytes)", ladder.last(10).get(1));
    }

    @Test
    void aWindowIsCutFromTheEventsInTimeOrderAndSaysWhatItLeftOut() {
        Ladder ladder = new Ladder(0);
        for (int i = 0; i < 10; i++) {
            ladder.add(i * 1_000_000L, Arrow.NOTE, "e" + i, "");
        }
        int late = ladder.add(4_500_000L, Arrow.PROBLEM, "late", "added last, happened between e4 and e5");
        assertEquals(List.of("(3 earlier events left out)",
                "     3.000 ms      e3",
                "     4.000 ms      e4",
                "     4.500 ms  !!  late       added last, happened between e4 and e5",
                "     5.000 ms      e5",
                "(4 later events left out)"), ladder.window(late, 1, 4));
    }

    @Test
    void oneEventLeftOutIsOneEvent() {
        Ladder ladder = new Ladder(0);
        for (int i = 0; i < 4; i++) {
            ladder.add(i * 1_000_000L, Arrow.NOTE, "e" + i, "");
        }
        assertEquals(List.of("(1 earlier event left out)",
                "     1.000 ms      e1",
                "     2.000 ms      e2",
                "(1 later event left out)"), ladder.window(1, 1, 2));
    }
}
