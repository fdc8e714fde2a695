package dev.wirelab.part1.capture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wirelab.part1.capture.TcpReassembler.Data;
import dev.wirelab.part1.capture.TcpReassembler.Gap;
import dev.wirelab.part1.capture.TcpReassembler.Piece;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class TcpReassemblerTest {

    private static final long ISN = 1000;

    /** The pieces rendered as text: data as is, a gap as [gap N]. */
    private static String text(List<Piece> pieces) {
        StringBuilder sb = new StringBuilder();
        for (Piece p : pieces) {
            switch (p) {
                case Data d -> sb.append(new String(d.bytes(), StandardCharsets.US_ASCII));
                case Gap g -> sb.append("[gap ").append(g.length()).append(']');
            }
        }
        return sb.toString();
    }

    private static List<Piece> add(TcpReassembler r, long relSeq, String s) {
        byte[] b = s.getBytes(StandardCharsets.US_ASCII);
        return r.add(ISN + 1 + relSeq, b, 0, b.length, (int) relSeq);
    }

    private static TcpReassembler afterSyn() {
        TcpReassembler r = new TcpReassembler();
        r.syn(ISN);
        return r;
    }

    @Test
    void segmentsInOrderComeOutAsTheyArrive() {
        TcpReassembler r = afterSyn();
        assertEquals("Hello", text(add(r, 0, "Hello")));
        assertEquals(" world", text(add(r, 5, " world")));
        assertEquals(11, r.nextOffset());
    }

    @Test
    void anEarlySegmentWaitsForTheBytesBeforeIt() {
        TcpReassembler r = afterSyn();
        assertEquals("", text(add(r, 5, " world")));
        assertEquals(6, r.heldBytes());
        List<Piece> out = add(r, 0, "Hello");
        assertEquals("Hello world", text(out));
        assertEquals(0, ((Data) out.get(0)).offset());
        assertEquals(5, ((Data) out.get(1)).offset());
        assertEquals(0, r.heldBytes());
    }

    @Test
    void aRetransmissionOfDeliveredBytesAddsNothing() {
        TcpReassembler r = afterSyn();
        add(r, 0, "Hello");
        assertTrue(add(r, 0, "Hello").isEmpty());
        assertTrue(add(r, 2, "llo").isEmpty());
    }

    @Test
    void anOverlappingSegmentAddsOnlyItsNewBytesAndTheFirstCopyWins() {
        TcpReassembler r = afterSyn();
        add(r, 0, "Hel");
        assertEquals("lo", text(add(r, 1, "XXlo")));
        // Held segments overlap too: "wor" arrives early, then a copy that covers it differently.
        TcpReassembler s = afterSyn();
        add(s, 6, "wor");
        assertEquals("Hello world", text(add(s, 0, "Hello YYYld")));
    }

    @Test
    void bytesThatNeverComeAreAGapAtTheEnd() {
        TcpReassembler r = afterSyn();
        add(r, 0, "ab");
        add(r, 5, "fg");
        add(r, 10, "k");
        assertEquals("[gap 3]fg[gap 3]k", text(r.finish()));
        assertEquals(11, r.nextOffset());
    }

    @Test
    void tooMuchHeldBackGivesUpWaitingWithAGap() {
        TcpReassembler r = new TcpReassembler(4);
        r.syn(ISN);
        assertEquals("", text(add(r, 3, "def")));
        assertEquals("[gap 3]defgh", text(add(r, 6, "gh")));
        assertEquals(0, r.heldBytes());
    }

    @Test
    void sequenceNumbersWrapAroundZero() {
        TcpReassembler r = new TcpReassembler();
        r.syn(0xFFFF_FFFDL); // the first data byte is 0xFFFFFFFE
        byte[] ab = "ab".getBytes(StandardCharsets.US_ASCII);
        byte[] cd = "cd".getBytes(StandardCharsets.US_ASCII);
        assertTrue(r.add(0, cd, 0, 2, 2).isEmpty());
        assertEquals("abcd", text(r.add(0xFFFF_FFFEL, ab, 0, 2, 1)));
    }

    @Test
    void withoutASynTheFirstSegmentStartsTheStream() {
        TcpReassembler r = new TcpReassembler();
        byte[] b = "mid".getBytes(StandardCharsets.US_ASCII);
        assertEquals("mid", text(r.add(777, b, 0, 3, 1)));
    }

    @Test
    void shuffledRetransmittedSegmentsGiveTheStreamBackExactly() {
        String msg = "The quick brown fox jumps over the lazy dog";
        List<int[]> segs = new ArrayList<>();
        for (int i = 0; i < msg.length(); i += 5) {
            segs.add(new int[]{i, Math.min(msg.length(), i + 7)}); // overlapping by 2
        }
        java.util.Collections.shuffle(segs, new java.util.Random(42));
        segs.add(segs.get(3)); // and one retransmitted
        TcpReassembler r = afterSyn();
        StringBuilder got = new StringBuilder();
        for (int[] s : segs) {
            got.append(text(add(r, s[0], msg.substring(s[0], s[1]))));
        }
        got.append(text(r.finish()));
        assertEquals(msg, got.toString());
    }
}
