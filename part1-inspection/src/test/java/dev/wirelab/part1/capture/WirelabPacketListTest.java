package dev.wirelab.part1.capture;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.wirelab.common.Frame;
import dev.wirelab.common.FrameCodec;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class WirelabPacketListTest {

    private static final byte[] MSG = "#2 abcdefghi".getBytes(StandardCharsets.US_ASCII);

    static List<PacketList.Row> fixtureRows() throws Exception {
        return PacketListFixturesTest.rows("wirelab-faults.pcap");
    }

    /** "No. Info" of each row that shows wirelab frames. */
    static List<String> wirelabRows(List<PacketList.Row> rows) {
        List<String> out = new ArrayList<>();
        for (PacketList.Row r : rows) {
            if (r.protocol().equals("WIRELAB")) {
                out.add(r.number() + " " + r.info());
            }
        }
        return out;
    }

    @Test
    void theGoldenCaptureShowsEveryScriptedFaultAndThePartThreeRecovery() throws Exception {
        List<PacketList.Row> rows = fixtureRows();
        assertEquals(97, rows.size());
        assertEquals(List.of(
                "4 34554 → 9400 HELLO \"alice#99fff540\"",
                "10 9400 → 34554 ACK seq=0",
                "12 34554 → 9400 DATA seq=1 len=12",
                "14 34554 → 9400 DATA seq=2 len=12",
                "20 9400 → 34554 ACK seq=1",
                "25 9400 → 34554 ERROR seq=2 \"Packet Loss\"",
                "27 34554 → 9400 DATA seq=3 len=12",
                "28 34554 → 9400 DATA seq=2 len=12 [Retransmission]",
                "33 9400 → 34554 ACK seq=2",
                "35 34554 → 9400 DATA seq=4 len=12",
                "40 9400 → 34554 ACK seq=4 CRC BAD",
                "48 34564 → 9400 HELLO \"alice#99fff540\"",
                "54 9400 → 34564 ACK seq=0",
                "56 34564 → 9400 DATA seq=3 len=12 [Retransmission]",
                "60 9400 → 34564 ACK seq=3",
                "61 34564 → 9400 DATA seq=4 len=12 [Retransmission]",
                "65 9400 → 34564 ACK seq=4",
                "67 34564 → 9400 DATA seq=5 len=12",
                "71 9400 → 34564 ACK seq=5",
                "75 9400 → 34564 ACK seq=5 [Duplicate ACK]",
                "77 34564 → 9400 DATA seq=6 len=12",
                "78 34564 → 9400 DATA seq=7 len=12",
                "83 9400 → 34564 ACK seq=7",
                "87 9400 → 34564 ACK seq=6 [Out-Of-Order reply]",
                "89 34564 → 9400 DATA seq=8 len=12",
                "93 9400 → 34564 ACK seq=8"), wirelabRows(rows));
        // The server sliced every reply into 7-byte segments: the first pieces are TCP rows.
        assertEquals("TCP", rows.get(5).protocol());
        assertEquals(true, rows.get(5).info().endsWith("[TCP segment of a reassembled PDU]"));
    }

    /** An Ethernet frame of a loopback segment from 40000 to 9400 (client) or back. */
    private static CapturedFrame segment(int index, boolean fromClient, long seq, int flags, byte[] payload) {
        byte[] tcp = fromClient ? TestFrames.tcp(40000, 9400, seq, 1, flags, 512, new byte[0], payload)
                : TestFrames.tcp(9400, 40000, seq, 1, flags, 512, new byte[0], payload);
        byte[] frame = TestFrames.ethernet(TestFrames.ip(false, fromClient, tcp), false);
        return new CapturedFrame(TestFrames.timeOf(index), frame.length, frame);
    }

    @Test
    void segmentsOutOfOrderAndRetransmittedGiveEachFrameOnceOnTheSegmentThatCompletesIt() {
        byte[] data = FrameCodec.encode(Frame.data(2, MSG));
        byte[] first = Arrays.copyOfRange(data, 0, 10);
        byte[] second = Arrays.copyOfRange(data, 10, data.length);
        PacketList list = new PacketList(LinkType.ETHERNET);
        list.add(segment(0, true, 100, 0x02, new byte[0]));
        list.add(segment(1, true, 101 + 10, 0x18, second)); // arrives first
        list.add(segment(2, true, 101, 0x18, first));
        list.add(segment(3, true, 101, 0x18, data)); // a TCP retransmission of both
        List<PacketList.Row> rows = list.rows();
        assertEquals("TCP", rows.get(1).protocol());
        assertEquals("40000 → 9400 DATA seq=2 len=12", rows.get(2).info());
        assertEquals("TCP", rows.get(3).protocol()); // its bytes were all read already
        assertEquals(true, rows.get(3).info().endsWith(" [TCP Retransmission]"), rows.get(3).info());
    }

    @Test
    void aFrameInTheMiddleOfALongSegmentListIsFoundWhateverThePort() {
        byte[] two = new byte[2 * (16 + MSG.length)];
        System.arraycopy(FrameCodec.encode(Frame.ack(1, MSG)), 0, two, 0, 28);
        System.arraycopy(FrameCodec.encode(Frame.ack(1, MSG)), 0, two, 28, 28);
        PacketList list = new PacketList(LinkType.ETHERNET);
        list.add(segment(0, false, 5000, 0x18, two));
        assertEquals("9400 → 40000 ACK seq=1, ACK seq=1 [Duplicate ACK]", list.rows().get(0).info());
        assertEquals(2, list.rows().get(0).wirelab().size());
    }
}
