package dev.wirelab.part1;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wirelab.part1.capture.Fixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** capture --follow and --seq-graph, as a student types them. */
class CaptureAnalysisCommandTest {

    private static String fixture(String name) {
        return Fixtures.path(name).toString();
    }

    @Test
    void followPrintsTheStreamInsteadOfThePacketList() {
        var r = CliRun.run("capture", "--read", fixture("plain-loopback.pcap"), "--follow");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().startsWith("===== TCP stream 0: client 127.0.0.1:58636, server 127.0.0.1:37611"), r.out());
        assertTrue(r.out().contains("    username=alice password=correct-horse-battery-staple\\n\n"), r.out());
        assertFalse(r.out().contains("No. Time"), r.out());
    }

    @Test
    void thePacketListNamesWirelabFrames() {
        var r = CliRun.run("capture", "--read", fixture("wirelab-faults.pcap"));
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("WIRELAB      73 9400 → 34554 ACK seq=4 CRC BAD\n"), r.out());
    }

    @Test
    void seqGraphWritesAPngAndSaysWhatItDrew(@TempDir Path tmp) throws Exception {
        Path png = tmp.resolve("seq.png");
        var r = CliRun.run("capture", "--read", fixture("wirelab-faults.pcap"), "--seq-graph", png.toString(), "--quiet");
        assertEquals(0, r.exit(), r.err());
        assertEquals("", r.out());
        assertEquals("Sequence graph of 26 wirelab frames in 2 TCP connections written to " + png + "\n",
                r.err().replace("\r\n", "\n"));
        assertNotNull(ImageIO.read(png.toFile()));
    }

    @Test
    void aSeqGraphOfACaptureWithoutWirelabFailsInOneLine(@TempDir Path tmp) {
        Path png = tmp.resolve("seq.png");
        var r = CliRun.run("capture", "--read", fixture("plain-loopback.pcap"), "--seq-graph", png.toString(), "--quiet");
        assertEquals(1, r.exit());
        assertTrue(r.err().contains("no wirelab frame in the capture"), r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertFalse(Files.exists(png));
    }

    @Test
    void optionsThatDoNotGoTogetherAreAUsageError() {
        var live = CliRun.run("capture", "--seq-graph", "x.png");
        assertEquals(2, live.exit());
        assertTrue(live.err().contains("--seq-graph draws a file's exchange: add --read FILE.pcap"), live.err());
        var quiet = CliRun.run("capture", "--read", fixture("plain-loopback.pcap"), "--follow", "--quiet");
        assertEquals(2, quiet.exit());
        assertTrue(quiet.err().contains("--follow shows the streams and --quiet shows nothing"), quiet.err());
    }
}
