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
 * and valid streams decode to what was encoded however they are split.
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

    @Provide
    Arbitrary<Frame> frame() {
        Arbitrary<byte[]> payloads = Arbitraries.bytes().array(byte[].class).ofMaxSize(300);
        Arbitrary<Long> seqs = Arbitraries.longs().between(0, Frame.MAX_SEQ);
        Arbitrary<FrameType> types = Arbitraries.of(FrameType.DATA, FrameType.ACK, FrameType.ERROR);
        return net.jqwik.api.Combinators.combine(types, seqs, payloads).as(Frame::new);
    }

    @Provide
    Arbitrary<List<Frame>> frames() {
        return frame().list().ofMaxSize(20);
    }
}
