package dev.wirelab.common;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wirelab.common.HexDump.Highlight;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class HexDumpTest {

    /** Frame 1 of the lab report's capture (BSD loopback header, IPv4, TCP, "Hello from Client.\n"). */
    static final byte[] REPORT_FRAME = HexFormat.of().parseHex(
            "020000004500004700004000400600007f0000017f000001d62e1f907314807a"
                    + "2699f4b8801818ecfe3b00000101080a6066484eba267d9448656c6c6f206672"
                    + "6f6d20436c69656e742e0a");

    @Test
    void theReportsFrameDumpsExactlyAsWiresharkShowedIt() {
        String expected = """
                0000   02 00 00 00 45 00 00 47 00 00 40 00 40 06 00 00   ....E..G..@.@...
                0010   7f 00 00 01 7f 00 00 01 d6 2e 1f 90 73 14 80 7a   ............s..z
                0020   26 99 f4 b8 80 18 18 ec fe 3b 00 00 01 01 08 0a   &........;......
                0030   60 66 48 4e ba 26 7d 94 48 65 6c 6c 6f 20 66 72   `fHN.&}.Hello fr
                0040   6f 6d 20 43 6c 69 65 6e 74 2e 0a                  om Client..
                """;
        assertEquals(expected, HexDump.format(REPORT_FRAME));
    }

    @Test
    void caretsMarkTheHighlightedBytesInBothColumns() {
        String dump = HexDump.format(REPORT_FRAME, 0x38, 0x3d, Highlight.CARETS);
        String[] lines = dump.split("\n");
        assertEquals(6, lines.length, dump);
        assertEquals("0030   60 66 48 4e ba 26 7d 94 48 65 6c 6c 6f 20 66 72   `fHN.&}.Hello fr", lines[3]);
        // "Hello" sits at row offsets 8..12: carets under "48 65 6c 6c 6f" and under "Hello".
        int hexStart = lines[3].indexOf("48 65");
        assertEquals("^^ ^^ ^^ ^^ ^^", lines[4].substring(hexStart, hexStart + 14));
        int asciiStart = lines[3].indexOf("Hello");
        assertEquals("^^^^^", lines[4].substring(asciiStart, asciiStart + 5));
    }

    @Test
    void ansiHighlightWrapsOnlyTheChosenBytes() {
        String dump = HexDump.format(new byte[] {'a', 'b', 'c'}, 1, 2, Highlight.ANSI);
        assertEquals("0000   61 \u001b[7m62\u001b[0m 63" + " ".repeat(39) + "   a\u001b[7mb\u001b[0mc\n", dump);
    }

    @Test
    void aRowRangeShowsOnlyTheRowsThatHoldIt() {
        String dump = HexDump.format(REPORT_FRAME, 0x38, 0x42, 0x38, 0x42, Highlight.NONE);
        assertTrue(dump.startsWith("0030   "), dump);
        assertEquals(2, dump.lines().count());
    }

    @Test
    void anEmptyBufferDumpsToNothing() {
        assertEquals("", HexDump.format(new byte[0]));
    }
}
