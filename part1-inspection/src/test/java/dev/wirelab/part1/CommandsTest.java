package dev.wirelab.part1;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wirelab.part1.capture.PcapFile;
import dev.wirelab.part1.net.InspectServer;
import dev.wirelab.part1.net.ServerLog;
import dev.wirelab.part1.tls.CertStore;
import dev.wirelab.part1.tls.TlsContexts;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(30)
class CommandsTest {

    static Path fixture(String name) {
        return dev.wirelab.part1.capture.Fixtures.path(name);
    }

    @Test
    void captureReadListsAFileWithHexDumps() throws Exception {
        var r = CliRun.run("capture", "--read", fixture("null-midstream-ipv4.pcap").toString(), "--hex");
        assertEquals(0, r.exit(), r.err());
        String expected = """
                  No. Time        Source          Destination     Protocol Length Info
                    1 0.000000    127.0.0.1       127.0.0.1       TCP          75 54830 → 8080 [PSH, ACK] Seq=1 Ack=1 Win=6380 Len=19 TSval=1617315918 TSecr=3123084692
                0000   02 00 00 00 45 00 00 47 00 00 40 00 40 06 00 00   ....E..G..@.@...
                """;
        assertTrue(r.out().replace(System.lineSeparator(), "\n").startsWith(expected), r.out());
        assertTrue(r.out().contains("0040   6f 6d 20 43 6c 69 65 6e 74 2e 0a                  om Client.."), r.out());
    }

    @Test
    void captureReadFiltersOnThePortAndCounts() throws Exception {
        var r = CliRun.run("capture", "--read", fixture("tls13-loopback.pcap").toString(), "--port", "44943", "--count", "4");
        assertEquals(0, r.exit(), r.err());
        assertEquals(5, r.out().lines().count(), r.out());
        var all = CliRun.run("capture", "--read", fixture("tls13-loopback.pcap").toString());
        assertEquals(27, all.out().lines().count(), "a file is listed whole unless --port is given: " + all.out());
        var none = CliRun.run("capture", "--read", fixture("tls13-loopback.pcap").toString(), "--port", "9");
        assertEquals(1, none.out().lines().count(), "only the header: " + none.out());
    }

    @Test
    void captureReadCanRewriteTheFile(@TempDir Path tmp) throws Exception {
        Path out = tmp.resolve("copy.pcap");
        var r = CliRun.run("capture", "--read", fixture("sll2-ipv6.pcap").toString(), "--write", out.toString());
        assertEquals(0, r.exit(), r.err());
        PcapFile.Capture back = PcapFile.read(out);
        assertEquals(276, back.linkTypeCode());
        assertEquals(8, back.frames().size());
    }

    @Test
    void aFileThatIsNotAPcapIsOneLineAndExitOne(@TempDir Path tmp) throws Exception {
        Path bogus = tmp.resolve("notes.txt");
        Files.writeString(bogus, "these are not packets, just some text");
        var r = CliRun.run("capture", "--read", bogus.toString());
        assertEquals(1, r.exit());
        assertTrue(r.err().startsWith("error: " + bogus + " is not a pcap file"), r.err());
        assertEquals(1, r.err().strip().lines().count());
        var missing = CliRun.run("capture", "--read", tmp.resolve("nope.pcap").toString());
        assertEquals(1, missing.exit());
        assertTrue(missing.err().startsWith("error: no such file: "), missing.err());
    }

    @Test
    void aTruncatedPcapIsReportedNotThrown(@TempDir Path tmp) throws Exception {
        byte[] whole = Files.readAllBytes(fixture("ethernet-ipv4.pcap"));
        Path cut = tmp.resolve("cut.pcap");
        Files.write(cut, java.util.Arrays.copyOf(whole, whole.length - 10));
        var r = CliRun.run("capture", "--read", cut.toString());
        assertEquals(1, r.exit());
        assertTrue(r.err().contains("is truncated"), r.err());
    }

    @Test
    void libraryClassesThrowPlainExceptionsNotTheCommandLinesUserError(@TempDir Path tmp) throws Exception {
        // The library can be used without the CLI; the command layer (common's Cli) maps these.
        ServerLog quiet = new ServerLog(line -> { });
        assertThrows(IllegalArgumentException.class, () -> InspectServer.start("127.0.0.1", 70000, null, quiet));
        Path bogus = Files.writeString(tmp.resolve("x.pcap"), "not a capture");
        assertThrows(IOException.class, () -> PcapFile.read(bogus));
        assertThrows(IOException.class, () -> CertStore.readCertificate(tmp.resolve("none.pem")));
        try (InspectServer server = InspectServer.start("127.0.0.1", 0, null, quiet)) {
            assertThrows(IOException.class, () -> InspectServer.start("127.0.0.1", server.port(), null, quiet));
        }
    }

    @Test
    void everyHelpLineIsAWholeSentenceAndPlaceholdersAreUpperCase() {
        // ./lab part1 --help shows each command's first line alone: it must not stop mid-sentence.
        picocli.CommandLine cl = dev.wirelab.common.Cli.commandLine(new Part1());
        for (picocli.CommandLine sub : cl.getSubcommands().values()) {
            for (String line : sub.getCommandSpec().usageMessage().description()) {
                assertTrue(line.endsWith("."), sub.getCommandName() + ": \"" + line + "\"");
            }
            String usage = sub.getUsageMessage();
            assertFalse(usage.matches("(?s).*<[a-z].*"), "one placeholder style (PORT, not <port>): " + usage);
        }
    }

    @Test
    void badOptionsAreUsageErrors() throws Exception {
        assertEquals(2, CliRun.run("capture", "--port", "70000").exit());
        assertEquals(2, CliRun.run("capture", "--count", "0").exit());
        assertEquals(2, CliRun.run("server", "--port", "nope").exit());
        assertEquals(2, CliRun.run("client", "--port", "0").exit());
        var outOfRange = CliRun.run("server", "--port", "70000");
        assertEquals(2, outOfRange.exit());
        assertEquals("error: port must be 0..65535, got 70000 (see: part1 server --help)", outOfRange.err().strip());
        assertEquals(2, CliRun.run("server", "--max-clients", "0").exit());
        assertEquals(2, CliRun.run("server", "--idle-timeout", "-1").exit());
        var noCount = CliRun.run("capture", "--count", "0");
        assertEquals("error: --count must be at least 1 (see: part1 capture --help)", noCount.err().strip());
    }

    @Test
    void theClientSendsItsMessageAndRejectsAForeignCertificate(@TempDir Path tmp) throws Exception {
        CertStore.Identity id = CertStore.loadOrCreate(tmp.resolve("a"));
        CertStore.Identity other = CertStore.loadOrCreate(tmp.resolve("b"));
        try (InspectServer server = InspectServer.start("localhost", 0, TlsContexts.server(id),
                new ServerLog(line -> { }))) {
            var ok = CliRun.run("client", "--tls", "--port", String.valueOf(server.port()), "--trust",
                    id.certFile().toString(), "--message", "hi");
            assertEquals(0, ok.exit(), ok.err());
            var bad = CliRun.run("client", "--tls", "--port", String.valueOf(server.port()), "--trust",
                    other.certFile().toString(), "--message", "hi");
            assertEquals(1, bad.exit());
            assertTrue(bad.err().startsWith("error: TLS handshake failed: the server's certificate is not the one trusted in "),
                    bad.err());
            assertEquals(1, bad.err().strip().lines().count());
        }
    }

    @Test
    void aPlainClientAgainstTheTlsServerSaysToAddTlsAndShowsNoRawBytes(@TempDir Path tmp) throws Exception {
        CertStore.Identity id = CertStore.loadOrCreate(tmp);
        try (InspectServer server = InspectServer.start("localhost", 0, TlsContexts.server(id), new ServerLog(line -> { }))) {
            var r = CliRun.run("client", "--port", String.valueOf(server.port()), "--message", "Hello");
            assertEquals(1, r.exit());
            assertEquals("", r.out(), "the TLS alert's bytes are not printed");
            assertEquals("error: this server speaks TLS: add --tls (its reply to plain text was a TLS record)",
                    r.err().strip());
        }
    }

    @Test
    void aTlsClientAgainstThePlainServerSaysToCheckTls(@TempDir Path tmp) throws Exception {
        CertStore.Identity id = CertStore.loadOrCreate(tmp);
        try (InspectServer server = InspectServer.start("localhost", 0, null, new ServerLog(line -> { }))) {
            var r = CliRun.run("client", "--tls", "--trust", id.certFile().toString(), "--port",
                    String.valueOf(server.port()), "--message", "Hello");
            assertEquals(1, r.exit());
            assertEquals("error: the server did not answer the TLS handshake: is it running without --tls?",
                    r.err().strip());
        }
    }

    @Test
    void theClientPrintsWhatTheServerSendsBack() throws Exception {
        try (java.net.ServerSocket ss = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            var reply = java.util.concurrent.CompletableFuture.runAsync(() -> {
                try (java.net.Socket s = ss.accept()) {
                    // "é" split over two writes: the client must still print it whole.
                    s.getOutputStream().write(new byte[]{'c', 'a', 'f', (byte) 0xc3});
                    s.getOutputStream().flush();
                    s.getOutputStream().write(new byte[]{(byte) 0xa9, '\n'});
                    s.getInputStream().readAllBytes();
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            var r = CliRun.run("client", "--host", "127.0.0.1", "--port", String.valueOf(ss.getLocalPort()),
                    "--message", "hi");
            assertEquals(0, r.exit(), r.err());
            assertEquals("café\n", r.out());
            reply.get(10, java.util.concurrent.TimeUnit.SECONDS);
        }
    }

    @Test
    void theServerCommandPrintsItsCertificateAndStops(@TempDir Path tmp) throws Exception {
        var r = CliRun.run("server", "--tls", "--port", "0", "--cert-dir", tmp.toString(), "--duration", "0.2");
        assertEquals(0, r.exit(), r.err());
        String[] lines = r.out().split("\\R");
        assertEquals("Created certificate " + tmp.resolve("server.pem"), lines[0]);
        assertTrue(lines[1].matches("SHA-256 fingerprint ([0-9A-F]{2}:){31}[0-9A-F]{2}"), lines[1]);
        assertTrue(lines[2].matches("Listening on localhost:\\d+ \\(TLS 1\\.3\\)"), lines[2]);
        // As every server of the lab does, it prints its counters when it stops.
        assertEquals("stopped: connections=0 served=0 dropped=0 idle-closed=0 refused=0 chunks=0 bytes=0", lines[3]);
        var again = CliRun.run("server", "--tls", "--port", "0", "--cert-dir", tmp.toString(), "--duration", "0.1");
        assertTrue(again.out().startsWith("Using certificate " + tmp.resolve("server.pem")), again.out());
    }

    @Test
    void theServerRefusesAWorldReadableKeyInOneLine(@TempDir Path tmp) throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(
                java.nio.file.FileSystems.getDefault().supportedFileAttributeViews().contains("posix"), "POSIX only");
        CertStore.loadOrCreate(tmp);
        Files.setPosixFilePermissions(tmp.resolve("server-key.pem"),
                java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
        var r = CliRun.run("server", "--tls", "--port", "0", "--cert-dir", tmp.toString(), "--duration", "0.1");
        assertEquals(1, r.exit());
        assertEquals("", r.out());
        assertTrue(r.err().startsWith("error: the private key " + tmp.resolve("server-key.pem") + " is open to other users"),
                r.err());
        assertTrue(r.err().contains("chmod 600"), r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
    }

    @Test
    void aPortInUseIsOneLineAndExitOne() throws Exception {
        try (InspectServer server = InspectServer.start("127.0.0.1", 0, null, new ServerLog(line -> { }))) {
            var r = CliRun.run("server", "--host", "127.0.0.1", "--port", String.valueOf(server.port()), "--duration", "0.1");
            assertEquals(1, r.exit());
            assertTrue(r.err().startsWith("error: cannot listen on 127.0.0.1:" + server.port()), r.err());
        }
    }

    @Test
    void theTlsServerPrintsNothingUntilItListens(@TempDir Path tmp) throws Exception {
        // Scripts (and the docs check) take the first line as "listening"; a certificate line
        // printed before a failed bind would have lied.
        try (InspectServer server = InspectServer.start("127.0.0.1", 0, null, new ServerLog(line -> { }))) {
            var r = CliRun.run("server", "--tls", "--cert-dir", tmp.toString(), "--host", "127.0.0.1",
                    "--port", String.valueOf(server.port()), "--duration", "0.1");
            assertEquals(1, r.exit());
            assertEquals("", r.out());
            assertTrue(r.err().startsWith("error: cannot listen on 127.0.0.1:" + server.port()), r.err());
        }
    }
}
