package dev.wirelab.part2.server;

import dev.wirelab.common.Frame;
import dev.wirelab.common.FrameCodec;
import dev.wirelab.part2.proxy.UnitSplitter;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The one test of "frames or lines?" the echo server and the proxy share ({@link Sniffer}), and
 * the proxy's splitter built on it: the same decision and the same units whether the first bytes
 * come in one read or one byte per read.
 */
class SnifferTest {

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    /** Feeds {@code b} in reads of {@code chunk} bytes; returns the mode and how many bytes it took in all. */
    private static Sniffer sniff(byte[] b, int chunk, int[] took) {
        Sniffer s = new Sniffer();
        for (int off = 0; off < b.length && s.mode() == Sniffer.Mode.UNDECIDED; off += chunk) {
            took[0] += s.feed(b, off, Math.min(chunk, b.length - off));
        }
        return s;
    }

    @Test
    void aFrameIsFramesWhetherItsHeaderComesInOneReadOrOneByteAtATime() {
        byte[] frame = FrameCodec.encode(Frame.data(7, ascii("m7")));
        for (int chunk : new int[]{frame.length, 3, 2, 1}) {
            int[] took = new int[1];
            Sniffer s = sniff(frame, chunk, took);
            assertEquals(Sniffer.Mode.FRAMES, s.mode(), "reads of " + chunk);
            assertEquals(3, took[0], "magic and version decide, nothing more is taken");
            assertArrayEquals(Arrays.copyOf(frame, 3), Arrays.copyOf(s.prefix(), s.prefixLength()));
        }
    }

    @Test
    void textIsLinesAsSoonAsOneByteRulesAFrameOut() {
        for (String text : new String[]{"Test1\n", "W\n", "WLx\n", "WL\u0002\n"}) {
            byte[] b = ascii(text);
            for (int chunk : new int[]{b.length, 1}) {
                int[] took = new int[1];
                Sniffer s = sniff(b, chunk, took);
                assertEquals(Sniffer.Mode.LINES, s.mode(), text + " in reads of " + chunk);
                int decidedAt = text.startsWith("WL") ? 3 : text.startsWith("W") ? 2 : 1;
                assertEquals(chunk == 1 ? decidedAt : Math.min(3, b.length), took[0], text + " in reads of " + chunk);
                assertEquals(took[0], s.prefixLength());
            }
        }
    }

    @Test
    void untilThreeBytesCameAStartLikeAFrameStaysUndecidedAndLaterReadsTakeNothing() {
        Sniffer s = new Sniffer();
        assertEquals(2, s.feed(ascii("WL"), 0, 2));
        assertEquals(Sniffer.Mode.UNDECIDED, s.mode());
        assertEquals(1, s.feed(new byte[]{1, 2, 3}, 0, 3));
        assertEquals(Sniffer.Mode.FRAMES, s.mode());
        assertEquals(0, s.feed(new byte[]{4}, 0, 1), "decided: the caller goes on with its own bytes");
    }

    /** What the proxy's splitter cuts {@code b} into, fed in reads of {@code chunk} bytes. */
    private static List<byte[]> units(byte[] b, int chunk) {
        UnitSplitter u = new UnitSplitter(1024);
        List<byte[]> out = new ArrayList<>();
        for (int off = 0; off < b.length; off += chunk) {
            u.feed(b, off, Math.min(chunk, b.length - off)).forEach(x -> out.add(x.bytes()));
        }
        return out;
    }

    @Test
    void theSplitterCutsFramesIntoWholeFramesWhateverTheReads() {
        ByteArrayOutputStream stream = new ByteArrayOutputStream();
        List<byte[]> frames = List.of(FrameCodec.encode(Frame.hello("alice")), FrameCodec.encode(Frame.data(1, ascii("m1"))),
                FrameCodec.encode(Frame.data(2, new byte[300])));
        frames.forEach(stream::writeBytes);
        byte[] joined = stream.toByteArray();
        for (int chunk : new int[]{joined.length, 7, 1}) {
            List<byte[]> got = units(joined, chunk);
            assertEquals(frames.size(), got.size(), "reads of " + chunk);
            for (int i = 0; i < frames.size(); i++) {
                assertArrayEquals(frames.get(i), got.get(i), "frame " + i + " in reads of " + chunk);
            }
        }
    }

    @Test
    void theSplitterCutsTextIntoLinesWhateverTheReadsAndKeepsAnUnfinishedOne() {
        byte[] joined = ascii("Test1\nWL is not a frame\r\nlast");
        for (int chunk : new int[]{joined.length, 2, 1}) {
            UnitSplitter u = new UnitSplitter(1024);
            List<String> got = new ArrayList<>();
            for (int off = 0; off < joined.length; off += chunk) {
                u.feed(joined, off, Math.min(chunk, joined.length - off))
                        .forEach(x -> got.add(new String(x.bytes(), StandardCharsets.US_ASCII)));
            }
            assertEquals(List.of("Test1\n", "WL is not a frame\r\n"), got, "reads of " + chunk);
            assertEquals(UnitSplitter.Mode.LINES, u.mode());
            assertEquals("last", new String(u.drain(), StandardCharsets.US_ASCII));
        }
    }
}
