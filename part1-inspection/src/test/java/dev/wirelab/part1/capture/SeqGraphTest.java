package dev.wirelab.part1.capture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SeqGraphTest {

    static SeqGraph graphOf(String fixture) throws Exception {
        SeqGraph.Builder b = new SeqGraph.Builder();
        WirelabPacketListTest.fixtureRows().forEach(b::add);
        return b.build();
    }

    private static List<String> seqAndFrame(List<SeqGraph.Point> points) {
        return points.stream().map(p -> p.seq() + "@" + p.frame()).toList();
    }

    @Test
    void theGoldenCapturesPointsFallIntoOneSeriesPerKind() throws Exception {
        SeqGraph g = graphOf("wirelab-faults.pcap");
        assertEquals(26, g.frames());
        assertEquals(2, g.connections());
        assertEquals(List.of(SeqGraph.HELLO, SeqGraph.DATA, SeqGraph.RETRANSMISSION, SeqGraph.ACK, SeqGraph.ODD_ACK,
                SeqGraph.ERROR, SeqGraph.CRC_BAD), g.series().stream().map(SeqGraph.Series::name).toList());
        assertEquals(List.of("0@4", "0@48"), seqAndFrame(g.points(SeqGraph.HELLO)));
        assertEquals(List.of("1@12", "2@14", "3@27", "4@35", "5@67", "6@77", "7@78", "8@89"),
                seqAndFrame(g.points(SeqGraph.DATA)));
        assertEquals(List.of("2@28", "3@56", "4@61"), seqAndFrame(g.points(SeqGraph.RETRANSMISSION)));
        assertEquals(List.of("0@10", "1@20", "2@33", "0@54", "3@60", "4@65", "5@71", "7@83", "8@93"),
                seqAndFrame(g.points(SeqGraph.ACK)));
        assertEquals(List.of("5@75", "6@87"), seqAndFrame(g.points(SeqGraph.ODD_ACK)));
        assertEquals(List.of("2@25"), seqAndFrame(g.points(SeqGraph.ERROR)));
        assertEquals(List.of("4@40"), seqAndFrame(g.points(SeqGraph.CRC_BAD)));
        // Time in milliseconds since the first frame, to the microsecond the capture has.
        assertEquals(74.751, g.points(SeqGraph.HELLO).get(0).millis(), 1e-9);
    }

    @Test
    void thePngIsWrittenAndDecodesAtTheChartsSize(@TempDir Path dir) throws Exception {
        Path png = dir.resolve("seq.png");
        SeqGraphChart.write(graphOf("wirelab-faults.pcap"), png);
        BufferedImage img = ImageIO.read(png.toFile());
        assertNotNull(img, "ImageIO could not decode the PNG");
        assertEquals(SeqGraphChart.WIDTH, img.getWidth());
        assertEquals(SeqGraphChart.HEIGHT, img.getHeight());
    }

    @Test
    void aCaptureWithoutWirelabFramesDrawsNothingAndSaysSo(@TempDir Path dir) throws Exception {
        SeqGraph.Builder b = new SeqGraph.Builder();
        PacketListFixturesTest.rows("plain-loopback.pcap").forEach(b::add);
        Path png = dir.resolve("none.png");
        var e = assertThrows(java.io.IOException.class, () -> SeqGraphChart.write(b.build(), png));
        assertEquals("no wirelab frame in the capture, so no sequence graph to draw (" + png + " not written)", e.getMessage());
        assertEquals(false, Files.exists(png));
    }
}
