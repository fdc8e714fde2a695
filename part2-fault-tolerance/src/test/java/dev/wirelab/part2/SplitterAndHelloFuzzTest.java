package dev.wirelab.part2;

import dev.wirelab.common.Frame;
import dev.wirelab.common.FrameCodec;
import dev.wirelab.common.FrameType;
import dev.wirelab.part2.proxy.UnitSplitter;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

import java.io.ByteArrayOutputStream;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Property-based fuzzing (jqwik, a bounded number of tries) of what part 2 does with untrusted
 * bytes besides decoding frames: the proxy's line/frame splitter, and the server's HELLO handling.
 */
class SplitterAndHelloFuzzTest {

    private static EchoServer server;
    private static final List<String> LOG = new CopyOnWriteArrayList<>();

    @BeforeContainer
    static void start() throws Exception {
        server = EchoServer.builder().log(LOG::add).start();
    }

    @AfterContainer
    static void stop() {
        server.close();
    }

    @Property(tries = 1000)
    void theSplitterLosesAndInventsNoByteAndKeepsEachUnitBounded(@ForAll @Size(max = 700) byte[] input,
            @ForAll @IntRange(min = 1, max = 50) int chunk, @ForAll boolean startWithMagic, @ForAll boolean manyNewlines) {
        byte[] in = input.clone();
        if (startWithMagic && in.length >= 3) {
            in[0] = 0x57;
            in[1] = 0x4C;
            in[2] = 0x01;
        }
        if (manyNewlines) {
            for (int i = 5; i < in.length; i += 7) {
                in[i] = '\n';
            }
        }
        int max = 100;
        UnitSplitter s = new UnitSplitter(max);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int pos = 0; pos < in.length; pos += chunk) {
            for (UnitSplitter.Unit u : s.feed(in, pos, Math.min(chunk, in.length - pos))) {
                out.writeBytes(u.bytes());
                assertTrue(u.corruptible() >= 0 && u.corruptible() <= u.bytes().length);
                if (s.mode() == UnitSplitter.Mode.LINES) {
                    assertEquals('\n', u.bytes()[u.bytes().length - 1], "a line unit ends with its newline");
                    assertTrue(u.bytes().length <= max + 1);
                }
                if (s.mode() == UnitSplitter.Mode.FRAMES) {
                    assertTrue(u.bytes().length <= max + FrameCodec.OVERHEAD_BYTES);
                }
            }
        }
        out.writeBytes(s.drain());
        assertArrayEquals(in, out.toByteArray());
    }

    @Property(tries = 200)
    void anyHelloIdIsAnsweredWithAckOrErrorZeroAndLoggedEscaped(@ForAll @Size(max = 64) byte[] id) throws Exception {
        LOG.clear();
        try (TestClient c = new TestClient(server.address())) {
            c.sendFrame(new Frame(FrameType.HELLO, 0, id)).sendFrame(Frame.data(1, new byte[]{1}));
            List<Frame> replies = c.readFrames(2);
            assertEquals(0, replies.get(0).seq());
            assertTrue(replies.get(0).type() == FrameType.ACK || replies.get(0).type() == FrameType.ERROR, replies.toString());
            assertEquals(Frame.ack(1, new byte[]{1}), replies.get(1));
        }
        LOG.forEach(HardeningTest::assertPrintable);
    }
}
