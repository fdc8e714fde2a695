package dev.wirelab.part1.capture;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A capture still running must leave a file that --read can list: whole frames only. */
class PcapWriterTest {

    private static CapturedFrame frame(int i, int size) {
        byte[] data = new byte[size];
        java.util.Arrays.fill(data, (byte) i);
        return new CapturedFrame(1_700_000_000_000_000_000L + i * 1_000L, size, data);
    }

    @Test
    void aFileStillBeingWrittenReadsAsTheWholeFramesFlushedSoFar(@TempDir Path tmp) throws Exception {
        Path file = tmp.resolve("growing.pcap");
        List<CapturedFrame> written = new ArrayList<>();
        PcapFile.Writer w = new PcapFile.Writer(file, LinkType.ETHERNET.code());
        try {
            // Sizes chosen so that records straddle the writer's 8 KiB buffer many times over.
            for (int i = 0; i < 300; i++) {
                CapturedFrame f = frame(i, 60 + (i * 37) % 1500);
                w.write(f);
                written.add(f);
                if (i % 7 == 0) {
                    // Fails with "truncated" if the buffer ever reached the file mid-record.
                    assertIsAPrefix(written, PcapFile.read(file).frames());
                }
                if (i % 50 == 0) {
                    w.flush();
                    List<CapturedFrame> seen = PcapFile.read(file).frames();
                    assertEquals(i + 1, seen.size(), "a flush must make every frame so far readable");
                    assertArrayEquals(f.data(), seen.get(i).data());
                }
            }
        } finally {
            w.close();
        }
        assertEquals(300, PcapFile.read(file).frames().size());
    }

    private static void assertIsAPrefix(List<CapturedFrame> written, List<CapturedFrame> seen) throws Exception {
        assertTrue(seen.size() <= written.size(), seen.size() + " frames read, " + written.size() + " written");
        for (int i = 0; i < seen.size(); i++) {
            assertArrayEquals(written.get(i).data(), seen.get(i).data(), "frame " + (i + 1));
        }
    }
}
