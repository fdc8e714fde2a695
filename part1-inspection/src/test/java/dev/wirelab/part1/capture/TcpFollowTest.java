package dev.wirelab.part1.capture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class TcpFollowTest {

    private static List<TcpFollow.Stream> follow(String fixture) throws Exception {
        PcapFile.Capture cap = PcapFile.read(Fixtures.path(fixture));
        TcpFollow follow = new TcpFollow(cap.linkType());
        List<TcpFollow.Stream> out = new ArrayList<>();
        cap.frames().forEach(f -> out.addAll(follow.add(f)));
        out.addAll(follow.finish());
        return out;
    }

    private static CapturedFrame seg(int i, boolean fromClient, long seq, int flags, String payload) {
        byte[] p = payload.getBytes(StandardCharsets.US_ASCII);
        byte[] tcp = fromClient ? TestFrames.tcp(50000, 8080, seq, 1, flags, 512, new byte[0], p)
                : TestFrames.tcp(8080, 50000, seq, 1, flags, 512, new byte[0], p);
        byte[] frame = TestFrames.ethernet(TestFrames.ip(false, fromClient, tcp), false);
        return new CapturedFrame(TestFrames.timeOf(i), frame.length, frame);
    }

    @Test
    void theReportsPlainCaptureIsOneStreamWithTheSecretFromTheClient() throws Exception {
        List<TcpFollow.Stream> streams = follow("plain-loopback.pcap");
        assertEquals(1, streams.size());
        assertEquals("""
                ===== TCP stream 0: client 127.0.0.1:58636, server 127.0.0.1:37611 (frames 1–8) =====
                client → server, 53 bytes, frame 4
                    username=alice password=correct-horse-battery-staple\\n
                client sent 53 bytes, server 0 bytes
                """, TcpFollow.format(streams.get(0), false));
    }

    @Test
    void theGoldenWirelabCaptureIsTwoConnectionsWithSlicedRepliesJoinedIntoBlocks() throws Exception {
        List<TcpFollow.Stream> streams = follow("wirelab-faults.pcap");
        assertEquals(2, streams.size());
        TcpFollow.Stream first = streams.get(0);
        assertEquals("127.0.0.1:34554", first.client());
        assertEquals("127.0.0.1:9400", first.server());
        assertEquals(170, first.clientBytes());
        assertEquals(127, first.serverBytes());
        // The HELLO's ACK came in three 7-, 7- and 2-byte segments: one 16-byte block.
        TcpFollow.Bytes ack0 = (TcpFollow.Bytes) first.blocks().get(1);
        assertEquals(false, ack0.fromClient());
        assertEquals(16, ack0.data().length);
        assertEquals(6, ack0.firstFrame());
        assertEquals(10, ack0.lastFrame());
        assertEquals(1, streams.get(1).number());
        assertEquals("127.0.0.1:34564", streams.get(1).client());
    }

    @Test
    void outOfOrderAndRetransmittedSegmentsAreShownOnceInOrderAndAGapIsMarked() {
        TcpFollow follow = new TcpFollow(LinkType.ETHERNET);
        List<TcpFollow.Stream> ended = new ArrayList<>();
        ended.addAll(follow.add(seg(0, true, 99, 0x02, "")));
        ended.addAll(follow.add(seg(1, false, 900, 0x12, "")));
        ended.addAll(follow.add(seg(2, true, 106, 0x18, "world\n")));
        ended.addAll(follow.add(seg(3, true, 100, 0x18, "Hello ")));
        ended.addAll(follow.add(seg(4, true, 100, 0x18, "Hello ")));
        ended.addAll(follow.add(seg(5, false, 901, 0x18, "ok\n")));
        ended.addAll(follow.add(seg(6, false, 910, 0x18, "late"))); // the 6 bytes before it never come
        ended.addAll(follow.add(seg(7, true, 112, 0x14, ""))); // RST ends it
        assertEquals(1, ended.size());
        assertTrue(follow.finish().isEmpty());
        assertEquals("""
                ===== TCP stream 0: client 127.0.0.1:50000, server 127.0.0.1:8080 (frames 1–8) =====
                client → server, 12 bytes, frames 3–4
                    Hello world\\n
                server → client, 3 bytes, frame 6
                    ok\\n
                server → client: 6 bytes missing (never captured)
                server → client, 4 bytes, frame 7
                    late
                client sent 12 bytes, server 7 bytes
                """, TcpFollow.format(ended.get(0), false));
    }

    @Test
    void aSynAckNamesItsReceiverTheClient() {
        TcpFollow follow = new TcpFollow(LinkType.ETHERNET);
        follow.add(seg(0, false, 900, 0x12, ""));
        assertEquals("127.0.0.1:50000", follow.finish().get(0).client());
    }

    @Test
    void binaryBytesAreEscapedOneByOneAndHexShowsTheDump() {
        TcpFollow follow = new TcpFollow(LinkType.ETHERNET);
        follow.add(seg(0, true, 99, 0x02, ""));
        byte[] bin = {'W', 'L', 1, (byte) 0xcd, (byte) 0x82, '\\', (byte) 0xff};
        byte[] tcp = TestFrames.tcp(50000, 8080, 100, 1, 0x18, 512, new byte[0], bin);
        byte[] frame = TestFrames.ethernet(TestFrames.ip(false, true, tcp), false);
        follow.add(new CapturedFrame(TestFrames.timeOf(1), frame.length, frame));
        TcpFollow.Stream s = follow.finish().get(0);
        assertTrue(TcpFollow.format(s, false).contains("    WL\\x01\\xcd\\x82\\\\\\xff\n"), TcpFollow.format(s, false));
        assertTrue(TcpFollow.format(s, true).contains("0000   57 4c 01 cd 82 5c ff"), TcpFollow.format(s, true));
    }

    @Test
    void theLastAckOfATeardownOpensNoNewStream() {
        TcpFollow follow = new TcpFollow(LinkType.ETHERNET);
        follow.add(seg(0, true, 99, 0x02, ""));
        follow.add(seg(1, true, 100, 0x18, "x"));
        follow.add(seg(2, true, 101, 0x11, ""));
        assertEquals(1, follow.add(seg(3, false, 900, 0x11, "")).size());
        assertTrue(follow.add(seg(4, true, 102, 0x10, "")).isEmpty());
        assertTrue(follow.finish().isEmpty());
    }
}
