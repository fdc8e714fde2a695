package dev.wirelab.part1.capture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wirelab.common.Frame;
import dev.wirelab.common.FrameCodec;
import dev.wirelab.part1.capture.WirelabStream.WireFrame;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class WirelabStreamTest {

    private static final byte[] TEST1 = "Test1\n".getBytes(StandardCharsets.US_ASCII);

    private static List<TcpReassembler.Piece> data(byte[] b, int frame) {
        return List.of(new TcpReassembler.Data(0, b, frame));
    }

    private static List<String> summaries(List<WireFrame> frames) {
        return frames.stream().map(WireFrame::summary).toList();
    }

    @Test
    void theWorkedExampleOfTheWireFormatPageReadsAsDataSeq1() {
        byte[] vector = java.util.HexFormat.of().parseHex("574c0102000000010000000654657374310aa76a7dc4");
        List<WireFrame> frames = new WirelabStream().feed(data(vector, 7));
        assertEquals(List.of("DATA seq=1 len=6"), summaries(frames));
        assertEquals(7, frames.get(0).frame());
        assertTrue(frames.get(0).crcOk());
    }

    @Test
    void aFrameSplitOverSegmentsComesOutWithTheSegmentThatEndsIt() {
        byte[] f = FrameCodec.encode(Frame.ack(3, TEST1));
        WirelabStream s = new WirelabStream();
        for (int i = 0; i < f.length - 7; i += 7) {
            assertTrue(s.feed(data(java.util.Arrays.copyOfRange(f, i, i + 7), i)).isEmpty());
        }
        List<WireFrame> last = s.feed(data(java.util.Arrays.copyOfRange(f, 21, f.length), 99));
        assertEquals(List.of("ACK seq=3"), summaries(last));
        assertEquals(99, last.get(0).frame());
        assertEquals(0, s.buffered());
    }

    @Test
    void aLargeFrameArrivingOneByteAtATimeComesOutWhole() {
        byte[] payload = new byte[20_000];
        java.util.Arrays.fill(payload, (byte) 'x');
        byte[] f = FrameCodec.encode(Frame.data(7, payload));
        WirelabStream s = new WirelabStream();
        List<WireFrame> got = new java.util.ArrayList<>();
        for (int i = 0; i < f.length; i++) {
            got.addAll(s.feed(data(new byte[]{f[i]}, i)));
        }
        assertEquals(List.of("DATA seq=7 len=20000"), summaries(got));
        assertEquals(f.length - 1, got.get(0).frame());
    }

    @Test
    void severalFramesInOneSegmentAllComeOut() {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.writeBytes(FrameCodec.encode(Frame.data(1, TEST1)));
        b.writeBytes(FrameCodec.encode(Frame.error(5, "Packet Loss")));
        b.writeBytes(FrameCodec.encode(Frame.hello("alice")));
        byte[] half = FrameCodec.encode(Frame.data(2, TEST1));
        b.write(half, 0, 5);
        WirelabStream s = new WirelabStream();
        assertEquals(List.of("DATA seq=1 len=6", "ERROR seq=5 \"Packet Loss\"", "HELLO \"alice\""),
                summaries(s.feed(data(b.toByteArray(), 1))));
        assertEquals(5, s.buffered());
    }

    @Test
    void aCorruptedFrameIsCrcBadAndTheNextFrameIsStillRead() {
        byte[] bad = FrameCodec.encode(Frame.ack(4, TEST1));
        bad[14] ^= (byte) 0xFF;
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.writeBytes(bad);
        b.writeBytes(FrameCodec.encode(Frame.ack(5, TEST1)));
        assertEquals(List.of("ACK seq=4 CRC BAD", "ACK seq=5"), summaries(new WirelabStream().feed(data(b.toByteArray(), 1))));
    }

    @Test
    void aPeersErrorTextIsEscapedQuotesAndControlCharactersIncluded() {
        byte[] f = FrameCodec.encode(Frame.error(5, "evil\"\u001b[2J"));
        assertEquals(List.of("ERROR seq=5 \"evil\\\"\\x1b[2J\""), summaries(new WirelabStream().feed(data(f, 1))));
    }

    @Test
    void bytesThatAreNoFrameEndTheDirectionUntilAGap() {
        WirelabStream s = new WirelabStream();
        assertTrue(s.feed(data("GET / HTTP/1.1\r\n".getBytes(StandardCharsets.US_ASCII), 1)).isEmpty());
        assertNotNull(s.brokenReason());
        assertTrue(s.feed(data(FrameCodec.encode(Frame.ack(1, TEST1)), 2)).isEmpty());
        // After a gap it looks for the next frame start, here in the middle of a piece.
        byte[] later = FrameCodec.encode(Frame.ack(9, TEST1));
        byte[] withJunk = new byte[later.length + 3];
        System.arraycopy(later, 0, withJunk, 3, later.length);
        List<WireFrame> frames = s.feed(List.of(new TcpReassembler.Gap(40, 10), new TcpReassembler.Data(50, withJunk, 3)));
        assertEquals(List.of("ACK seq=9"), summaries(frames));
        assertNull(s.brokenReason());
    }

    @Test
    void anAnnouncedLengthOverTheMaximumEndsTheDirectionWithoutWaitingForIt() {
        byte[] header = {0x57, 0x4c, 0x01, 0x02, 0, 0, 0, 1, 0x7f, 0, 0, 0};
        WirelabStream s = new WirelabStream();
        assertTrue(s.feed(data(header, 1)).isEmpty());
        assertTrue(s.brokenReason().contains("2130706432 payload bytes"), s.brokenReason());
        assertEquals(0, s.buffered());
    }
}
