package dev.wirelab.common;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/**
 * Property-based fuzzing of the decoder with jqwik (a bounded number of tries per property, so it
 * runs in the normal test run): arbitrary bytes only ever produce frames or the typed exception,
 * valid streams (HELLO included) decode to what was encoded however they are split, a HELLO is
 * refused exactly when its client id would be too long, and the buffer follows the bytes that
 * arrived rather than the length a peer declared.
 */
class FrameDecoderFuzzTest {

    @Property(tries = 2000)
    void arbitraryBytesGiveFramesOrTheTypedErrorAndNothingElse(@ForAll @Size(max = 600) byte[] junk,
            @ForAll @IntRange(min = 1, max = 64) int chunk, @ForAll boolean startWithMagic) {
        byte[] input = junk.clone();
        if (startWithMagic && input.length >= 3) {
            input[0] = 0x57;
            input[1] = 0x4C;
            input[2] = 0x01;
        }
        var decoder = new FrameDecoder(512);
        try {
            for (int pos = 0; pos < input.length; pos += chunk) {
                for (Frame f : decoder.feed(input, pos, Math.min(chunk, input.length - pos))) {
                    assertTrue(f.payloadLength() <= 512);
                }
            }
            decoder.finish();
        } catch (FrameFormatException expected) {
            assertTrue(expected.getMessage() != null && !expected.getMessage().isBlank());
        }
    }

    @Property(tries = 300)
    void validStreamsRoundTripUnderAnySplitting(@ForAll("frames") List<Frame> frames,
            @ForAll @IntRange(min = 1, max = 200) int chunk) throws Exception {
        var out = new java.io.ByteArrayOutputStream();
        frames.forEach(f -> out.writeBytes(FrameCodec.encode(f)));
        byte[] all = out.toByteArray();
        var decoder = new FrameDecoder();
        List<Frame> got = new ArrayList<>();
        for (int pos = 0; pos < all.length; pos += chunk) {
            got.addAll(decoder.feed(all, pos, Math.min(chunk, all.length - pos)));
        }
        decoder.finish();
        assertEquals(frames, got);
    }

    @Property(tries = 500)
    void theBufferFollowsTheBytesThatArrivedNotTheDeclaredLength(
            @ForAll @IntRange(min = 0, max = 16 << 20) int declared,
            @ForAll @IntRange(min = 0, max = 6000) int arriving,
            @ForAll @IntRange(min = 1, max = 700) int chunk) throws Exception {
        byte[] header = header(FrameType.DATA, declared);
        var decoder = new FrameDecoder(16 << 20);
        decoder.feed(header);
        byte[] payload = new byte[Math.min(arriving, declared)];
        for (int pos = 0; pos < payload.length; pos += chunk) {
            decoder.feed(payload, pos, Math.min(chunk, payload.length - pos));
            assertTrue(decoder.capacity() <= Math.max(256, 2 * decoder.buffered()),
                    decoder.capacity() + " bytes reserved for " + decoder.buffered() + " received");
        }
    }

    @Property(tries = 300)
    void aHelloIsRefusedExactlyWhenItsClientIdIsOverSixtyFourBytes(
            @ForAll @IntRange(min = 0, max = 70_000) int declared, @ForAll @IntRange(min = 64, max = 65_536) int maxPayload) {
        byte[] header = header(FrameType.HELLO, declared);
        var decoder = new FrameDecoder(maxPayload);
        boolean refused;
        try {
            decoder.feed(header);
            refused = false;
        } catch (FrameFormatException e) {
            refused = e.reason() == FrameFormatException.Reason.LENGTH_TOO_LARGE;
        }
        assertEquals(declared > FrameCodec.MAX_CLIENT_ID_BYTES, refused, "HELLO declaring " + declared + " bytes");
    }

    @Property(tries = 500)
    void anySingleByteChangeOfAValidFrameIsRejected(@ForAll("frame") Frame frame,
            @ForAll @IntRange(min = 0, max = 10_000) int where, @ForAll @IntRange(min = 1, max = 255) int xor) {
        byte[] wire = FrameCodec.encode(frame);
        wire[where % wire.length] ^= (byte) xor;
        boolean rejected;
        try {
            FrameCodec.decode(wire);
            rejected = false;
        } catch (FrameFormatException e) {
            rejected = true;
        }
        assertTrue(rejected, "a corrupted frame was accepted");
    }

    /** A valid header (seq 0) declaring {@code length} payload bytes. */
    private static byte[] header(FrameType type, long length) {
        byte[] header = {0x57, 0x4C, 0x01, (byte) type.code(), 0, 0, 0, 0, 0, 0, 0, 0};
        FrameCodec.putU32(header, 8, length);
        return header;
    }

    @Provide
    Arbitrary<Frame> frame() {
        Arbitrary<Long> seqs = Arbitraries.longs().between(0, Frame.MAX_SEQ);
        Arbitrary<FrameType> types = Arbitraries.of(FrameType.values());
        return types.flatMap(type -> {
            // A HELLO carries a client id of at most 64 bytes; the others up to 300 here.
            int max = type == FrameType.HELLO ? FrameCodec.MAX_CLIENT_ID_BYTES : 300;
            Arbitrary<byte[]> payloads = Arbitraries.bytes().array(byte[].class).ofMaxSize(max);
            return net.jqwik.api.Combinators.combine(seqs, payloads).as((seq, payload) -> new Frame(type, seq, payload));
        });
    }

    @Provide
    Arbitrary<List<Frame>> frames() {
        return frame().list().ofMaxSize(20);
    }
}
