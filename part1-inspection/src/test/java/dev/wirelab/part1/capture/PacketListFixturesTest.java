package dev.wirelab.part1.capture;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wirelab.common.HexDump;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class PacketListFixturesTest {

    static Path fixture(String name) {
        return Fixtures.path(name);
    }

    static List<PacketList.Row> rows(String name) throws Exception {
        PcapFile.Capture cap = PcapFile.read(fixture(name));
        PacketList list = new PacketList(cap.linkType());
        cap.frames().forEach(list::add);
        return list.rows();
    }

    static Stream<String> generated() {
        return FixtureGenerator.FIXTURES.stream().map(FixtureGenerator.Fixture::file)
                .filter(f -> !f.contains("midstream"));
    }

    static Stream<String> allFixtures() {
        return Stream.concat(FixtureGenerator.FIXTURES.stream().map(FixtureGenerator.Fixture::file),
                Fixtures.BUNDLED.stream().sorted());
    }

    @ParameterizedTest
    @MethodSource("generated")
    void everyLinkTypeShowsTheReportsExchangeAsWiresharkDoes(String file) throws Exception {
        List<PacketList.Row> rows = rows(file);
        String host = file.contains("ipv6") ? "::1" : "127.0.0.1";
        assertEquals(8, rows.size());
        assertEquals(host, rows.get(3).source());
        assertEquals(host, rows.get(3).destination());
        assertEquals("TCP", rows.get(3).protocol());
        assertEquals("54830 → 8080 [SYN] Seq=0 Win=65495 Len=0 MSS=65495 SACK_PERM TSval=1000 TSecr=0 WS=128",
                rows.get(0).info());
        assertEquals("8080 → 54830 [SYN, ACK] Seq=0 Ack=1 Win=65483 Len=0 MSS=65495 SACK_PERM TSval=2000 TSecr=0 WS=128",
                rows.get(1).info());
        // Both SYNs offered window scale 7, so the raw 6380 is shown scaled, as Wireshark does.
        assertEquals("54830 → 8080 [PSH, ACK] Seq=1 Ack=1 Win=816640 Len=19 TSval=1617315918 TSecr=3123084692",
                rows.get(3).info());
        assertEquals("8080 → 54830 [ACK] Seq=1 Ack=20 Win=816640 Len=0 TSval=3123626038 TSecr=1617315918",
                rows.get(4).info());
        assertEquals("54830 → 8080 [FIN, ACK] Seq=20 Ack=1 Win=816640 Len=0 TSval=1617316000 TSecr=3123626038",
                rows.get(5).info());
        assertEquals("54830 → 8080 [ACK] Seq=21 Ack=2 Win=816640 Len=0 TSval=1617316001 TSecr=3123626100",
                rows.get(7).info());
        assertEquals("0.000294", String.format("%.6f", rows.get(3).time()));
        int header = switch (file.substring(0, file.indexOf('-'))) {
            case "ethernet" -> 14;
            case "null" -> 4;
            case "sll" -> 16;
            case "sll2" -> 20;
            default -> 0;
        };
        int ip = file.contains("ipv6") ? 40 : 20;
        assertEquals(header + ip + 32 + 19, rows.get(3).length());
        assertEquals(header + ip + 32, rows.get(3).decoded().tcp().payloadOffset());
    }

    @Test
    void aCaptureStartedMidConnectionCountsFromOneLikeTheReport() throws Exception {
        List<PacketList.Row> rows = rows("null-midstream-ipv4.pcap");
        assertEquals(2, rows.size());
        assertEquals("54830 → 8080 [PSH, ACK] Seq=1 Ack=1 Win=6380 Len=19 TSval=1617315918 TSecr=3123084692",
                rows.get(0).info());
        assertEquals("8080 → 54830 [ACK] Seq=1 Ack=20 Win=6380 Len=0 TSval=3123626038 TSecr=1617315918",
                rows.get(1).info());
        assertEquals(75, rows.get(0).length());
        assertEquals(56, rows.get(1).length());
        assertEquals("0.000098", String.format("%.6f", rows.get(1).time()));
    }

    @Test
    void theMidstreamFixtureIsTheReportsTwoFramesByteForByte() throws Exception {
        List<PacketList.Row> rows = rows("null-midstream-ipv4.pcap");
        // Section 3.1.3 of the lab report: frame 1, then frame 2, as Wireshark's hex + ASCII view.
        assertEquals("""
                0000   02 00 00 00 45 00 00 47 00 00 40 00 40 06 00 00   ....E..G..@.@...
                0010   7f 00 00 01 7f 00 00 01 d6 2e 1f 90 73 14 80 7a   ............s..z
                0020   26 99 f4 b8 80 18 18 ec fe 3b 00 00 01 01 08 0a   &........;......
                0030   60 66 48 4e ba 26 7d 94 48 65 6c 6c 6f 20 66 72   `fHN.&}.Hello fr
                0040   6f 6d 20 43 6c 69 65 6e 74 2e 0a                  om Client..
                """, HexDump.format(rows.get(0).frame().data()));
        assertEquals("""
                0000   02 00 00 00 45 00 00 34 00 00 40 00 40 06 00 00   ....E..4..@.@...
                0010   7f 00 00 01 7f 00 00 01 1f 90 d6 2e 26 99 f4 b8   ............&...
                0020   73 14 80 8d 80 10 18 ec fe 28 00 00 01 01 08 0a   s........(......
                0030   ba 2e c0 36 60 66 48 4e                           ...6`fHN
                """, HexDump.format(rows.get(1).frame().data()));
    }

    @Test
    void ethernetOnLinuxLoopbackHasZeroMacs() throws Exception {
        byte[] frame = rows("ethernet-ipv4.pcap").get(3).frame().data();
        assertTrue(HexDump.format(frame).startsWith(
                "0000   00 00 00 00 00 00 00 00 00 00 00 00 08 00 45 00   ..............E.\n"));
    }

    @Test
    void aRealTls13ConversationIsNamedRecordByRecord() throws Exception {
        List<PacketList.Row> rows = rows("tls13-loopback.pcap");
        List<String> tls = new ArrayList<>();
        for (PacketList.Row r : rows) {
            if (!r.protocol().equals("TCP")) {
                tls.add(r.number() + " " + r.protocol() + " " + r.info());
            }
        }
        assertEquals(List.of(
                // The ports tell the directions apart (question 5 of the page).
                "4 TLSv1.2 39150 → 44943 Client Hello",
                "6 TLSv1.3 44943 → 39150 Server Hello",
                "8 TLSv1.3 44943 → 39150 Change Cipher Spec",
                "10 TLSv1.3 44943 → 39150 Application Data",
                "12 TLSv1.3 39150 → 44943 Change Cipher Spec",
                "13 TLSv1.3 44943 → 39150 Application Data",
                "15 TLSv1.3 44943 → 39150 Application Data",
                "17 TLSv1.3 44943 → 39150 Application Data",
                "19 TLSv1.3 39150 → 44943 Application Data",
                "20 TLSv1.3 39150 → 44943 Application Data",
                "21 TLSv1.3 39150 → 44943 Application Data",
                "23 TLSv1.3 44943 → 39150 Application Data"), tls);
    }

    @Test
    void theSecretIsInThePlainFixtureAndNotInTheTlsOne() throws Exception {
        byte[] secret = "password=correct-horse".getBytes(StandardCharsets.US_ASCII);
        assertTrue(rows("plain-loopback.pcap").stream()
                .anyMatch(r -> dev.wirelab.common.Bytes.indexOf(r.frame().data(), secret) >= 0));
        assertTrue(rows("tls13-loopback.pcap").stream()
                .noneMatch(r -> dev.wirelab.common.Bytes.indexOf(r.frame().data(), secret) >= 0));
    }

    @ParameterizedTest
    @MethodSource("allFixtures")
    @Timeout(30)
    void ourColumnsAreTsharksColumns(String file) throws Exception {
        Assumptions.assumeTrue(Tools.has("tshark"), "tshark is not installed; install it to compare with Wireshark");
        List<String> theirs = Tools.run("tshark", "-r", fixture(file).toString(), "-T", "fields", "-E", "separator=/t",
                "-e", "_ws.col.Source", "-e", "_ws.col.Destination", "-e", "_ws.col.Protocol", "-e", "frame.len",
                "-e", "_ws.col.Info", "-e", "tcp.srcport", "-e", "tcp.dstport").stream().map(line -> {
                    // Our TLS rows add the ports in front, which Wireshark's TLS rows leave out.
                    String[] f = line.split("\t", -1);
                    String info = f[2].startsWith("TLS") ? f[5] + " → " + f[6] + " " + f[4] : f[4];
                    return String.join("\t", f[0], f[1], f[2], f[3], info);
                }).toList();
        List<String> ours = rows(file).stream().map(r -> String.join("\t", r.source(), r.destination(),
                r.protocol(), String.valueOf(r.length()), r.info())).toList();
        assertEquals(theirs, ours);
    }

    @Test
    @Timeout(30)
    void fixturesAreWhatLibpcapWritesToday(@TempDir Path tmp) throws Exception {
        Assumptions.assumeTrue(Tools.libpcapLoads(), "libpcap is not installed; fixtures are generated through it");
        for (FixtureGenerator.Fixture f : FixtureGenerator.FIXTURES) {
            Path out = tmp.resolve(f.file());
            FixtureGenerator.write(f, out);
            assertArrayEquals(Files.readAllBytes(fixture(f.file())), Files.readAllBytes(out), f.file());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"ethernet-ipv6.pcap", "sll-ipv4.pcap", "tls13-loopback.pcap"})
    @Timeout(30)
    void aWrittenPcapReadsBackFrameForFrameAndTsharkReadsIt(String file, @TempDir Path tmp) throws Exception {
        PcapFile.Capture in = PcapFile.read(fixture(file));
        Path out = tmp.resolve("copy.pcap");
        PcapFile.write(out, in.linkType().code(), in.frames());
        PcapFile.Capture back = PcapFile.read(out);
        assertEquals(in.linkTypeCode(), back.linkTypeCode());
        assertEquals(in.frames().size(), back.frames().size());
        for (int i = 0; i < in.frames().size(); i++) {
            assertArrayEquals(in.frames().get(i).data(), back.frames().get(i).data());
            assertEquals(in.frames().get(i).epochNanos() / 1000, back.frames().get(i).epochNanos() / 1000);
            assertEquals(in.frames().get(i).wireLength(), back.frames().get(i).wireLength());
        }
    }

    @Test
    @Timeout(30)
    void aPcapngFileIsReadThroughLibpcap(@TempDir Path tmp) throws Exception {
        Assumptions.assumeTrue(Tools.has("editcap"), "editcap (Wireshark) is not installed; it makes the pcapng file");
        Assumptions.assumeTrue(Tools.libpcapLoads(), "libpcap is not installed; pcapng is read through it");
        Path ng = tmp.resolve("hello.pcapng");
        Tools.run("editcap", "-F", "pcapng", fixture("ethernet-ipv4.pcap").toString(), ng.toString());
        PcapFile.Capture cap = PcapFile.read(ng);
        assertEquals(LinkType.ETHERNET, cap.linkType());
        PacketList list = new PacketList(cap.linkType());
        cap.frames().forEach(list::add);
        assertEquals(rows("ethernet-ipv4.pcap").stream().map(PacketList.Row::info).toList(),
                list.rows().stream().map(PacketList.Row::info).toList());
        assertEquals(TestFrames.timeOf(3) / 1000, cap.frames().get(3).epochNanos() / 1000);
    }

    @Test
    @Timeout(30)
    void tsharkReadsAPcapWeWrote(@TempDir Path tmp) throws Exception {
        Assumptions.assumeTrue(Tools.has("tshark"), "tshark is not installed; install it to check our pcap files with it");
        PcapFile.Capture in = PcapFile.read(fixture("null-ipv6.pcap"));
        Path out = tmp.resolve("ours.pcap");
        PcapFile.write(out, in.linkType().code(), in.frames());
        List<String> lines = Tools.run("tshark", "-r", out.toString(), "-T", "fields", "-e", "frame.number",
                "-e", "frame.protocols", "-e", "tcp.len");
        assertEquals(8, lines.size());
        assertEquals("4\tnull:ipv6:tcp\t19", lines.get(3));
    }

    /** External tools, run with a bound on time. */
    static final class Tools {
        static boolean has(String tool) {
            try {
                Process p = new ProcessBuilder(tool, "--version").redirectErrorStream(true).start();
                p.getInputStream().transferTo(java.io.OutputStream.nullOutputStream());
                return p.waitFor(20, TimeUnit.SECONDS) && p.exitValue() == 0;
            } catch (IOException | InterruptedException e) {
                return false;
            }
        }

        static boolean libpcapLoads() {
            try {
                org.pcap4j.core.Pcaps.libVersion();
                return true;
            } catch (LinkageError e) {
                return false;
            }
        }

        static List<String> run(String... cmd) throws IOException, InterruptedException {
            Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(p.waitFor(20, TimeUnit.SECONDS), "timed out: " + String.join(" ", cmd));
            assertEquals(0, p.exitValue(), String.join(" ", cmd));
            return out.lines().toList();
        }
    }
}
