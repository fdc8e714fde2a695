package dev.wirelab.common;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class BytesTest {

    @Test
    void plainTextAndUnicodeAreShownAsSent() {
        assertEquals("Hello from Client", Bytes.escape("Hello from Client".getBytes(StandardCharsets.UTF_8)));
        assertEquals("naïve ✓ 🐟", Bytes.escape("naïve ✓ 🐟".getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void controlCharactersAndInvalidUtf8AreEscapedByteForByte() {
        byte[] in = {'o', 'k', '\n', 0x07, (byte) 0xff, (byte) 0xc3, 'x', '\\'};
        assertEquals("ok\\n\\x07\\xff\\xc3x\\\\", Bytes.escape(in));
    }

    @Test
    void overlongSurrogateAndTruncatedSequencesAreNotDecoded() {
        assertEquals("\\xc0\\xaf", Bytes.escape(new byte[] {(byte) 0xc0, (byte) 0xaf}));
        assertEquals("\\xed\\xa0\\x80", Bytes.escape(new byte[] {(byte) 0xed, (byte) 0xa0, (byte) 0x80}));
        assertEquals("\\xe2\\x9c", Bytes.escape(new byte[] {(byte) 0xe2, (byte) 0x9c}));
    }

    @Test
    void multiByteControlAndBidiCharactersAreEscapedSoAPeerCannotRewriteTheLine() {
        assertEquals("a\\u{009b}31mb", Bytes.escape("a\u009b31mb".getBytes(StandardCharsets.UTF_8)));
        assertEquals("\\u{202e}txt.exe", Bytes.escape("\u202etxt.exe".getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void utf8ValidityIsReported() {
        assertTrue(Bytes.isUtf8("✓".getBytes(StandardCharsets.UTF_8), 0, 3));
        assertFalse(Bytes.isUtf8(new byte[] {(byte) 0xff}, 0, 1));
    }

    @Test
    void indexOfFindsTheFirstOccurrence() {
        byte[] hay = "xxsecretxxsecret".getBytes(StandardCharsets.US_ASCII);
        assertEquals(2, Bytes.indexOf(hay, "secret".getBytes(StandardCharsets.US_ASCII)));
        assertEquals(-1, Bytes.indexOf(hay, "nope".getBytes(StandardCharsets.US_ASCII)));
    }
}
