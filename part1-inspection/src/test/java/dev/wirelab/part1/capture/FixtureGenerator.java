package dev.wirelab.part1.capture;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Timestamp;
import java.util.List;
import java.util.function.BiFunction;
import org.pcap4j.core.PcapDumper;
import org.pcap4j.core.PcapHandle;
import org.pcap4j.core.Pcaps;
import org.pcap4j.packet.namednumber.DataLinkType;

/**
 * Writes the link-type fixtures in src/test/resources/pcap with libpcap itself
 * ({@code pcap_open_dead} + {@code pcap_dump}), so the files are what tcpdump would write and our
 * reader is checked against libpcap's writer, not against our own. Run:
 * {@code java -cp ... dev.wirelab.part1.capture.FixtureGenerator part1-inspection/src/test/resources/pcap}.
 */
public final class FixtureGenerator {

    /** File name, DLT as pcap_open_dead wants it, IPv6 or not, and how to wrap an IP packet. */
    record Fixture(String file, DataLinkType dlt, boolean ipv6, BiFunction<byte[], Integer, byte[]> wrap, int first,
                   int last) {
        Fixture(String file, DataLinkType dlt, boolean ipv6, BiFunction<byte[], Integer, byte[]> wrap) {
            this(file, dlt, ipv6, wrap, 0, 8);
        }
    }

    static final List<Fixture> FIXTURES = List.of(
            new Fixture("ethernet-ipv4.pcap", DataLinkType.EN10MB, false, (ip, i) -> TestFrames.ethernet(ip, false)),
            new Fixture("ethernet-ipv6.pcap", DataLinkType.EN10MB, true, (ip, i) -> TestFrames.ethernet(ip, true)),
            new Fixture("null-ipv4.pcap", DataLinkType.NULL, false, (ip, i) -> TestFrames.bsdNull(ip, false)),
            new Fixture("null-ipv6.pcap", DataLinkType.NULL, true, (ip, i) -> TestFrames.bsdNull(ip, true)),
            new Fixture("sll-ipv4.pcap", DataLinkType.LINUX_SLL, false, (ip, i) -> TestFrames.sll(ip, false, i % 2 == 0)),
            new Fixture("sll2-ipv6.pcap", new DataLinkType(276, "LINUX_SLL2"), true, (ip, i) -> TestFrames.sll2(ip, true, i % 2 == 0)),
            new Fixture("raw-ipv4.pcap", DataLinkType.RAW, false, (ip, i) -> ip),
            // Started mid-connection like the report's capture: no SYN, so Wireshark shows raw windows.
            new Fixture("null-midstream-ipv4.pcap", DataLinkType.NULL, false, (ip, i) -> TestFrames.bsdNull(ip, false), 3, 5));

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args.length > 0 ? args[0] : "src/test/resources/pcap");
        Files.createDirectories(dir);
        for (Fixture f : FIXTURES) {
            write(f, dir.resolve(f.file()));
            System.out.println("wrote " + dir.resolve(f.file()));
        }
    }

    static void write(Fixture f, Path file) throws Exception {
        List<byte[]> packets = TestFrames.exchange(f.ipv6());
        try (PcapHandle dead = Pcaps.openDead(f.dlt(), PcapFile.SNAPLEN);
             PcapDumper dumper = dead.dumpOpen(file.toString())) {
            for (int i = f.first(); i < f.last(); i++) {
                long ns = TestFrames.timeOf(i);
                Timestamp ts = new Timestamp(ns / 1_000_000L);
                ts.setNanos((int) (ns % 1_000_000_000L));
                dumper.dumpRaw(f.wrap().apply(packets.get(i), i), ts);
            }
        }
    }
}
