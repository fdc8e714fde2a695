package dev.wirelab.common;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wirelab.common.FrameFormatException.Reason;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class FrameCodecTest {

    /** The test vector of docs/wire-format.md: DATA, seq 1, payload "Test1\n". */
    static final byte[] VECTOR = HexFormat.ofDelimiter(" ")
            .parseHex("57 4c 01 02 00 00 00 01 00 00 00 06 54 65 73 74 31 0a a7 6a 7d c4");

    @Test
    void encodingTheDocumentedExampleGivesTheTestVector() {
        byte[] wire = FrameCodec.encode(Frame.data(1, "Test1\n".getBytes(StandardCharsets.UTF_8)));
        assertArrayEquals(VECTOR, wire);
    }

    @Test
    void decodingTheTestVectorGivesTheDocumentedFrame() throws Exception {
        Frame f = FrameCodec.decode(VECTOR);
        assertEquals(FrameType.DATA, f.type());
        assertEquals(1, f.seq());
        assertEquals("Test1\n", f.payloadText());
    }

    @Test
    void goldenVectorsForEveryTypeMatchTheirHandComputedBytes() {
        assertEquals("574c01010000000000000005616c696365" + crcHex("574c01010000000000000005616c696365"),
                HexFormat.of().formatHex(FrameCodec.encode(Frame.hello("alice"))));
        assertEquals("574c01030000000000000000" + crcHex("574c01030000000000000000"),
                HexFormat.of().formatHex(FrameCodec.encode(Frame.ack(0, new byte[0]))));
        assertEquals("574c0104ffffffff0000000b5061636b6574204c6f7373" + crcHex("574c0104ffffffff0000000b5061636b6574204c6f7373"),
                HexFormat.of().formatHex(FrameCodec.encode(Frame.error(Frame.MAX_SEQ, "Packet Loss"))));
    }

    /** Bitwise CRC-32C, written independently of java.util.zip, to cross-check the codec. */
    private static String crcHex(String hex) {
        int crc = 0xFFFFFFFF;
        for (byte b : HexFormat.of().parseHex(hex)) {
            crc ^= b & 0xFF;
            for (int k = 0; k < 8; k++) {
                crc = (crc & 1) != 0 ? (crc >>> 1) ^ 0x82F63B78 : crc >>> 1;
            }
        }
        return String.format("%08x", ~crc);
    }

    @ParameterizedTest
    @EnumSource(FrameType.class)
    void everyTypeRoundTripsWithEmptyAndMaximumPayloads(FrameType type) throws Exception {
        int max = type == FrameType.HELLO ? FrameCodec.MAX_CLIENT_ID_BYTES : FrameCodec.DEFAULT_MAX_PAYLOAD;
        byte[] big = new byte[max];
        new Random(7).nextBytes(big);
        for (byte[] payload : List.of(new byte[0], big)) {
            Frame f = new Frame(type, type == FrameType.HELLO ? 0 : 4_000_000_000L, payload);
            assertEquals(f, FrameCodec.decode(FrameCodec.encode(f)));
        }
    }

    @Test
    void aPayloadOneByteOverTheMaximumIsRejectedWithoutReadingIt() {
        byte[] wire = FrameCodec.encode(Frame.data(1, new byte[101]));
        var e = assertThrows(FrameFormatException.class, () -> FrameCodec.decode(wire, 100));
        assertEquals(Reason.LENGTH_TOO_LARGE, e.reason());
        var decoder = new FrameDecoder(100);
        // The header alone is enough to refuse it.
        var e2 = assertThrows(FrameFormatException.class, () -> decoder.feed(wire, 0, FrameCodec.HEADER_BYTES));
        assertEquals(Reason.LENGTH_TOO_LARGE, e2.reason());
    }

    @Test
    void aHelloLongerThanSixtyFourBytesIsRejected() {
        // Built by hand: Frame itself refuses to make such a HELLO.
        byte[] wire = FrameCodec.encode(Frame.data(0, new byte[65]));
        wire[3] = (byte) FrameType.HELLO.code();
        FrameCodec.putU32(wire, wire.length - 4, FrameCodec.crc(wire, 0, wire.length - 4));
        var e = assertThrows(FrameFormatException.class, () -> FrameCodec.decode(wire));
        assertEquals(Reason.LENGTH_TOO_LARGE, e.reason());
        assertThrows(IllegalArgumentException.class, () -> Frame.hello("x".repeat(65)));
        assertThrows(IllegalArgumentException.class, () -> new Frame(FrameType.HELLO, 0, new byte[65]));
    }

    @Test
    void aHugeLengthFieldIsRefusedBeforeAnyAllocationSizedByIt() {
        byte[] header = HexFormat.of().parseHex("574c010200000001ffffffff");
        var e = assertThrows(FrameFormatException.class, () -> new FrameDecoder(Integer.MAX_VALUE - 100).feed(header));
        assertEquals(Reason.LENGTH_TOO_LARGE, e.reason());
    }

    @Test
    void thirtyOneHeadersDeclaringSixteenMebibytesReserveKilobytesNotHalfAGigabyte() throws Exception {
        // Issue 12 (11): with --max-frame 16777216, 31 connections that each sent a header
        // declaring the maximum (and a little payload) once pushed the server out of memory.
        int max = 16 << 20;
        byte[] header = HexFormat.of().parseHex("574c010200000001" + "01000000");
        List<FrameDecoder> connections = new ArrayList<>();
        long reserved = 0;
        for (int i = 0; i < 31; i++) {
            var decoder = new FrameDecoder(max);
            assertTrue(decoder.feed(header).isEmpty());
            assertTrue(decoder.feed(new byte[1000]).isEmpty());
            assertEquals(FrameCodec.HEADER_BYTES + 1000, decoder.buffered());
            connections.add(decoder);
            reserved += decoder.capacity();
        }
        assertTrue(reserved <= 31 * 2 * 1012, "31 connections reserve " + reserved + " bytes");
    }

    @Test
    void aLargeFrameArrivingInSmallReadsGrowsItsBufferWithTheBytesAndDecodesIntact() throws Exception {
        byte[] payload = new byte[1 << 20];
        new Random(7).nextBytes(payload);
        byte[] wire = FrameCodec.encode(Frame.data(3, payload));
        var decoder = new FrameDecoder(payload.length);
        List<Frame> got = new ArrayList<>();
        for (int pos = 0; pos < wire.length; pos += 1000) {
            decoder.feed(wire, pos, Math.min(1000, wire.length - pos), got::add);
            if (got.isEmpty()) {
                assertTrue(decoder.capacity() <= Math.max(256, 2 * decoder.buffered()),
                        decoder.capacity() + " bytes reserved for " + decoder.buffered() + " received");
                assertTrue(decoder.capacity() <= wire.length);
            }
        }
        assertEquals(List.of(Frame.data(3, payload)), got);
        assertTrue(decoder.capacity() <= 256, "the large buffer is let go once its frame is out");
    }

    @Test
    void feedingOneByteAtATimeYieldsEachFrameExactlyWhenItsLastByteArrives() throws Exception {
        var decoder = new FrameDecoder();
        for (int i = 0; i < VECTOR.length - 1; i++) {
            assertTrue(decoder.feed(VECTOR, i, 1).isEmpty(), "no frame before byte " + i);
        }
        assertEquals(List.of(FrameCodec.decode(VECTOR)), decoder.feed(VECTOR, VECTOR.length - 1, 1));
        assertEquals(0, decoder.buffered());
        decoder.finish();
    }

    @Test
    void framesJoinedInOneReadAndSplitAcrossReadsAllComeOutInOrder() throws Exception {
        List<Frame> sent = new ArrayList<>();
        ByteArrayOutputStream stream = new ByteArrayOutputStream();
        Random random = new Random(42);
        for (int i = 1; i <= 200; i++) {
            byte[] p = new byte[random.nextInt(300)];
            random.nextBytes(p);
            Frame f = new Frame(FrameType.values()[1 + random.nextInt(3)], i, p);
            sent.add(f);
            stream.writeBytes(FrameCodec.encode(f));
        }
        byte[] all = stream.toByteArray();
        for (int trial = 0; trial < 20; trial++) {
            var decoder = new FrameDecoder();
            List<Frame> got = new ArrayList<>();
            int pos = 0;
            while (pos < all.length) {
                int n = Math.min(all.length - pos, 1 + random.nextInt(trial < 10 ? 40 : 5000));
                got.addAll(decoder.feed(all, pos, n));
                pos += n;
            }
            decoder.finish();
            assertEquals(sent, got);
        }
    }

    @Test
    void eachKindOfCorruptInputGivesItsTypedReason() {
        assertEquals(Reason.BAD_MAGIC, reasonFor(patch(VECTOR, 0, 0x58)));
        assertEquals(Reason.BAD_MAGIC, reasonFor(patch(VECTOR, 1, 0x00)));
        assertEquals(Reason.BAD_VERSION, reasonFor(patch(VECTOR, 2, 0x02)));
        assertEquals(Reason.BAD_TYPE, reasonFor(patch(VECTOR, 3, 0x05)));
        assertEquals(Reason.BAD_TYPE, reasonFor(patch(VECTOR, 3, 0x00)));
        assertEquals(Reason.CRC_MISMATCH, reasonFor(patch(VECTOR, 14, 'X')));
        assertEquals(Reason.CRC_MISMATCH, reasonFor(patch(VECTOR, 21, 0x00)));
        assertEquals(Reason.CRC_MISMATCH, reasonFor(patch(VECTOR, 5, 0x01))); // seq changed
        for (int cut = 1; cut < VECTOR.length; cut++) {
            assertEquals(Reason.TRUNCATED, reasonFor(java.util.Arrays.copyOf(VECTOR, cut)), "cut at " + cut);
        }
    }

    @Test
    void framesBeforeAnInvalidOneInTheSameReadReachTheSinkBeforeTheError() throws Exception {
        byte[] good = FrameCodec.encode(Frame.data(7, new byte[] {1, 2}));
        byte[] read = new byte[good.length * 2 + 3];
        System.arraycopy(good, 0, read, 0, good.length);
        System.arraycopy(good, 0, read, good.length, good.length);
        read[good.length * 2] = 'x'; // garbage after two good frames
        List<Frame> got = new ArrayList<>();
        var e = assertThrows(FrameFormatException.class, () -> new FrameDecoder().feed(read, 0, read.length, got::add));
        assertEquals(Reason.BAD_MAGIC, e.reason());
        assertEquals(List.of(FrameCodec.decode(good), FrameCodec.decode(good)), got);
    }

    @Test
    void aOneShotDecodeWithBytesAfterTheFrameSaysSo() {
        byte[] twice = java.util.Arrays.copyOf(VECTOR, VECTOR.length * 2);
        System.arraycopy(VECTOR, 0, twice, VECTOR.length, VECTOR.length);
        assertEquals(Reason.TRAILING_BYTES, reasonFor(twice));
    }

    @Test
    void aFailedDecoderStaysFailedAndKeepsNoBuffer() {
        var decoder = new FrameDecoder();
        var first = assertThrows(FrameFormatException.class, () -> decoder.feed(patch(VECTOR, 0, 0)));
        var again = assertThrows(FrameFormatException.class, () -> decoder.feed(VECTOR));
        assertEquals(first.reason(), again.reason());
        assertEquals(0, decoder.buffered());
    }

    @Test
    void everyBitFlipOfTheVectorIsDetected() {
        for (int bit = 0; bit < VECTOR.length * 8; bit++) {
            byte[] bad = VECTOR.clone();
            bad[bit / 8] ^= (byte) (1 << (bit % 8));
            assertThrows(FrameFormatException.class, () -> FrameCodec.decode(bad), "bit " + bit);
        }
    }

    @Test
    void connectionsAreRecognisedByMagicAndVersion() {
        assertTrue(FrameCodec.startsLikeFrame(VECTOR, 3));
        assertTrue(FrameCodec.startsLikeFrame(VECTOR, 1)); // could still be a frame
        assertFalse(FrameCodec.startsLikeFrame("Test1\n".getBytes(StandardCharsets.US_ASCII), 3));
        assertFalse(FrameCodec.startsLikeFrame(patch(VECTOR, 2, 9), 3));
    }

    @Test
    void sequenceNumbersOutside32UnsignedBitsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> Frame.data(-1, new byte[0]));
        assertThrows(IllegalArgumentException.class, () -> Frame.data(Frame.MAX_SEQ + 1, new byte[0]));
    }

    @Test
    void framesAreImmutable() {
        byte[] p = {1, 2, 3};
        Frame f = Frame.data(1, p);
        p[0] = 9;
        f.payload()[1] = 9;
        assertArrayEquals(new byte[] {1, 2, 3}, f.payload());
    }

    private static byte[] patch(byte[] in, int at, int value) {
        byte[] out = in.clone();
        out[at] = (byte) value;
        return out;
    }

    private static Reason reasonFor(byte[] bytes) {
        return assertThrows(FrameFormatException.class, () -> FrameCodec.decode(bytes)).reason();
    }
}
