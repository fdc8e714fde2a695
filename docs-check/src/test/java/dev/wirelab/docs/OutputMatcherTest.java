package dev.wirelab.docs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.List;
import org.junit.jupiter.api.Test;

class OutputMatcherTest {

    @Test
    void portsTimesAndCountersMayDiffer() {
        assertNull(OutputMatcher.mismatch(List.of("Got connection from ('127.0.0.1', 53370)", "took 1.0066 s"),
                "Got connection from ('127.0.0.1', 41234)\ntook 1.002 s\n"));
    }

    @Test
    void sessionTagsMatchEvenWithoutADigit() {
        assertEquals(OutputMatcher.normalize("session alice#8018731d"), OutputMatcher.normalize("session alice#abcdefab"));
    }

    @Test
    void aSizeMayBePrintedInAnotherUnitButItsWordsMayNotChange() {
        assertNull(OutputMatcher.mismatch(List.of("goodput 27.5 messages/s, 1.2 KiB/s"), "goodput 9.1 messages/s, 812 B/s\n"));
        assertNotNull(OutputMatcher.mismatch(List.of("goodput 27.5 messages/s, 1.2 KiB/s"), "goodput 9.1 frames/s, 812 B/s\n"));
    }

    @Test
    void wordsMayNot() {
        assertNotNull(OutputMatcher.mismatch(List.of("Packet Loss"), "Test1\n"));
    }

    @Test
    void extraOutputIsAMismatchUnlessThePageSaysSoWithDots() {
        assertNotNull(OutputMatcher.mismatch(List.of("a"), "a\nb\n"));
        assertNull(OutputMatcher.mismatch(List.of("a", "..."), "a\nb\n"));
        assertNull(OutputMatcher.mismatch(List.of("...", "c"), "a\nb\nc\n"));
        assertNull(OutputMatcher.mismatch(List.of("a", "...", "c"), "a\nb\nb2\nc\n"));
        assertNotNull(OutputMatcher.mismatch(List.of("a", "...", "c"), "a\nb\n"));
    }

    @Test
    void missingLinesAreAMismatch() {
        assertNotNull(OutputMatcher.mismatch(List.of("a", "b"), "a\n"));
    }

    @Test
    void hexDumpRowsAndHighlightsMatchAnyRowOrHighlight() {
        assertNull(OutputMatcher.mismatch(
                List.of("0030   60 66 48 4e ba 26 7d 94 48 65 6c 6c 6f 20 66 72   `fHN.&}.Hello fr", "                                   ^^ ^^"),
                "0030   61 67 48 4e ba 26 7d 94 48 65 6c 6c 6f 20 66 72   agHN.&}.Hello fr\n                      ^^ ^^ ^^\n"));
    }

    @Test
    void fingerprintsAndColumnAlignmentAreIgnored() {
        assertEquals(OutputMatcher.normalize("SHA-256 3A:4B:00:11:22:33"), OutputMatcher.normalize("SHA-256 99:AA:00:11:22:FF"));
        assertEquals(OutputMatcher.normalize("1   0.000000  127.0.0.1"), OutputMatcher.normalize("12 0.100000 127.0.0.1"));
        assertEquals("x y", OutputMatcher.normalize("\u001b[7mx\u001b[0m   y"));
    }

    @Test
    void consoleBlocksAreParsedIntoCommandsOutputsAndBackgroundServers() {
        var blocks = ConsoleBlock.parse("p.md", """
                text
                ```console
                $ ./lab part2 echo-server --loss 1.0 &
                Listening on localhost:8080
                $ printf 'Test1\\n' | \\
                  nc -q1 localhost 8080
                Packet Loss
                ```
                ```sh
                $ not a console block
                ```
                """);
        assertEquals(1, blocks.size());
        var steps = blocks.get(0).steps();
        assertEquals(2, steps.size());
        assertEquals(new ConsoleBlock.Step("./lab part2 echo-server --loss 1.0", true, List.of("Listening on localhost:8080")), steps.get(0));
        assertEquals(new ConsoleBlock.Step("printf 'Test1\\n' | nc -q1 localhost 8080", false, List.of("Packet Loss")), steps.get(1));
        assertEquals(2, blocks.get(0).line());
    }
}
