package dev.wirelab.part1;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wirelab.part1.capture.Fixtures;
import dev.wirelab.part1.net.InspectServer;
import dev.wirelab.part1.net.ServerLog;
import dev.wirelab.part1.tls.CertStore;
import dev.wirelab.part1.tls.TlsContexts;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The --keylog options of server, client and capture, run as a student types them. */
@Timeout(60)
class KeyLogCommandsTest {

    @Test
    void keylogWithoutTlsIsAUsageError() {
        var server = CliRun.run("server", "--keylog", "k.log");
        assertEquals(2, server.exit());
        assertTrue(server.err().startsWith("error: --keylog logs TLS session keys: it needs --tls"), server.err());
        assertEquals(2, CliRun.run("client", "--keylog", "k.log", "--message", "x").exit());
    }

    @Test
    void theClientWritesTheSessionKeysItWasAskedForAndSaysWhatTheFileGivesAway(@TempDir Path tmp) throws Exception {
        CertStore.Identity id = CertStore.loadOrCreate(tmp.resolve("tls"));
        Path keys = tmp.resolve("client.keys");
        List<String> heard = new java.util.concurrent.CopyOnWriteArrayList<>();
        try (InspectServer server = InspectServer.start("localhost", 0, TlsContexts.server(id), new ServerLog(heard::add))) {
            var r = CliRun.run("client", "--tls", "--port", String.valueOf(server.port()), "--trust",
                    id.certFile().toString(), "--keylog", keys.toString(), "--message", "logged");
            assertEquals(0, r.exit(), r.err());
            assertEquals("Writing TLS session keys to " + keys + ": whoever has this file can decrypt these connections",
                    r.err().strip());
        }
        assertEquals(5, Files.readAllLines(keys).size());
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(keys)));
    }

    @Test
    void theServerWithKeylogServesAndStopsWithItsCounters(@TempDir Path tmp) throws Exception {
        Path keys = tmp.resolve("server.keys");
        var r = CliRun.run("server", "--tls", "--cert-dir", tmp.resolve("tls").toString(), "--port", "0",
                "--keylog", keys.toString(), "--duration", "0.2");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("Writing TLS session keys to " + keys + ": whoever has this file can decrypt"),
                r.out());
        assertTrue(r.out().contains("(TLS 1.3)"), r.out());
        assertTrue(Files.exists(keys));
    }

    @Test
    void captureReadWithTheKeyLogShowsThePasswordUnderItsRecord() {
        var r = CliRun.run("capture", "--read", Fixtures.path("tls13-keylog.pcap").toString(),
                "--keylog", Fixtures.path("tls13-keylog.keys").toString());
        assertEquals(0, r.exit(), r.err());
        List<String> lines = r.out().lines().toList();
        int row = -1;
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).startsWith("   20 ")) {
                row = i;
            }
        }
        assertTrue(row > 0, r.out());
        assertTrue(lines.get(row).endsWith("58286 → 9443 Application Data"), lines.get(row));
        assertEquals("        Decrypted Application Data (53 bytes): username=alice password=correct-horse-battery-staple\\n",
                lines.get(row + 1));
        assertTrue(r.err().startsWith("TLS: decrypted 8 records of 1 session"), r.err());
    }

    @Test
    void aMissingKeyLogIsAOneLineError(@TempDir Path tmp) {
        var r = CliRun.run("capture", "--read", Fixtures.path("tls13-keylog.pcap").toString(),
                "--keylog", tmp.resolve("none.keys").toString());
        assertEquals(1, r.exit());
        assertTrue(r.err().startsWith("error: no such key log: "), r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
    }

    @Test
    void theKeyLogWithFollowIsRefusedAtOnceNotIgnored() {
        // The follow view shows the TCP payload as sent; it used to decrypt nothing and say so only at the end.
        var r = CliRun.run("capture", "--read", Fixtures.path("tls13-keylog.pcap").toString(),
                "--keylog", Fixtures.path("tls13-keylog.keys").toString(), "--follow");
        assertEquals(2, r.exit(), r.err());
        assertTrue(r.err().contains("cannot go with --follow"), r.err());
        assertTrue(r.out().isEmpty(), r.out());
    }
}
