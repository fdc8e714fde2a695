package dev.wirelab.part1.capture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wirelab.common.Frame;
import dev.wirelab.common.FrameCodec;
import dev.wirelab.part1.capture.PacketListFixturesTest.Tools;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** docs/wireshark/wirelab.lua in tshark sees the frames that part 1's packet list sees. */
class WirelabLuaDissectorTest {

    /** Tests run in the module's folder; the dissector lives in the project's docs. */
    static final Path SCRIPT = Path.of("..", "docs", "wireshark", "wirelab.lua");

    /** "frame type seq len crc-status" per packet that holds wirelab frames, as tshark prints them. */
    private static List<String> tshark(Path pcap) throws Exception {
        Assumptions.assumeTrue(Tools.has("tshark"), "tshark is not installed; install it (Wireshark's CLI) to run the"
                + " wirelab Lua dissector");
        assertTrue(Files.isRegularFile(SCRIPT), "no dissector at " + SCRIPT.toAbsolutePath());
        return Tools.run("tshark", "-X", "lua_script:" + SCRIPT, "-r", pcap.toString(), "-Y", "wirelab",
                "-T", "fields", "-E", "separator=/s", "-e", "frame.number", "-e", "wirelab.type", "-e", "wirelab.seq",
                "-e", "wirelab.len", "-e", "wirelab.crc.status");
    }

    /** The same view from the Java decoder: several frames in one packet comma-separated, as tshark does. */
    private static List<String> java(Path pcap) throws Exception {
        PcapFile.Capture cap = PcapFile.read(pcap);
        PacketList list = new PacketList(cap.linkType());
        List<String> out = new ArrayList<>();
        for (CapturedFrame f : cap.frames()) {
            PacketList.Row r = list.add(f);
            if (r.wirelab().isEmpty()) {
                continue;
            }
            List<String> types = new ArrayList<>();
            List<String> seqs = new ArrayList<>();
            List<String> lens = new ArrayList<>();
            List<String> crcs = new ArrayList<>();
            for (WirelabAnalysis.Analysed a : r.wirelab()) {
                types.add(String.valueOf(a.frame().type().code()));
                seqs.add(String.valueOf(a.frame().seq()));
                lens.add(String.valueOf(a.frame().payload().length));
                crcs.add(a.frame().crcOk() ? "good" : "bad");
            }
            out.add(r.number() + " " + String.join(",", types) + " " + String.join(",", seqs) + " "
                    + String.join(",", lens) + " " + String.join(",", crcs));
        }
        return out;
    }

    @Test
    @Timeout(60)
    void onTheGoldenCaptureTsharkWithTheDissectorSeesWhatTheJavaDecoderSees() throws Exception {
        Path pcap = Fixtures.path("wirelab-faults.pcap");
        List<String> theirs = tshark(pcap);
        assertEquals(26, theirs.size());
        assertTrue(theirs.contains("40 3 4 12 bad"), String.join("\n", theirs));
        assertEquals(java(pcap), theirs);
    }

    @Test
    @Timeout(60)
    void severalFramesInOneSegmentAndAFrameOverTwoSegmentsAreReadAlike(@TempDir Path tmp) throws Exception {
        byte[] msg = "hi".getBytes(StandardCharsets.US_ASCII);
        // One segment: ACK 1, ERROR 2 and the first 10 bytes of ACK 3; the next segment: the rest of ACK 3.
        byte[] ack3 = FrameCodec.encode(Frame.ack(3, msg));
        java.io.ByteArrayOutputStream first = new java.io.ByteArrayOutputStream();
        first.writeBytes(FrameCodec.encode(Frame.ack(1, msg)));
        first.writeBytes(FrameCodec.encode(Frame.error(2, "Packet Loss")));
        first.write(ack3, 0, 10);
        byte[] threeAndAHalf = first.toByteArray();
        byte[] rest = java.util.Arrays.copyOfRange(ack3, 10, ack3.length);
        Path pcap = tmp.resolve("split.pcap");
        try (PcapFile.Writer w = new PcapFile.Writer(pcap, LinkType.ETHERNET.code())) {
            int i = 0;
            long s = 5000;
            w.write(frame(i++, TestFrames.tcp(40000, 9400, 99, 0, 0x02, 512, new byte[0], new byte[0])));
            w.write(frame(i++, TestFrames.tcp(9400, 40000, s - 1, 100, 0x12, 512, new byte[0], new byte[0])));
            // The client speaks first, as wirelab clients do. (tshark 4.0 does not reassemble a frame
            // split at the end of a connection's very first payload segment, the one the heuristic
            // is called on; every later segment goes to the dissector directly and is reassembled.)
            byte[] data = FrameCodec.encode(Frame.data(1, msg));
            w.write(frame(i++, TestFrames.tcp(40000, 9400, 100, s, 0x18, 512, new byte[0], data)));
            w.write(frame(i++, TestFrames.tcp(9400, 40000, s, 100, 0x18, 512, new byte[0], threeAndAHalf)));
            w.write(frame(i, TestFrames.tcp(9400, 40000, s + threeAndAHalf.length, 100, 0x18, 512, new byte[0], rest)));
        }
        List<String> theirs = tshark(pcap);
        assertEquals(List.of("3 2 1 2 good", "4 3,4 1,2 2,11 good,good", "5 3 3 2 good"), theirs);
        assertEquals(java(pcap), theirs);
    }

    private static CapturedFrame frame(int i, byte[] tcp) {
        byte[] f = TestFrames.ethernet(TestFrames.ip(false, true, tcp), false);
        return new CapturedFrame(TestFrames.timeOf(i), f.length, f);
    }
}
