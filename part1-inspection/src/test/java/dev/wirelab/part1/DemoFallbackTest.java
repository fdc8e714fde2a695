package dev.wirelab.part1;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wirelab.common.Bytes;
import dev.wirelab.part1.capture.CaptureUnavailable;
import dev.wirelab.part1.capture.PcapFile;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A student without capture rights still sees the lesson: the exchanges run for real, and the
 * verdict comes from the two real captures bundled with part 1. The capture failure is injected,
 * so this runs the same as root or not.
 */
@Timeout(60)
class DemoFallbackTest {

    static final String NO_PERMISSION = "no permission to capture on lo (socket: Operation not permitted): capturing"
            + " needs root or CAP_NET_RAW+CAP_NET_ADMIN; run with sudo";

    @Test
    void withoutCaptureRightsTheDemoShowsTheBundledCapturesAndSaysSo(@TempDir Path tmp) throws Exception {
        String secret = "username=carol password=not-the-default";
        Demo demo = new Demo(secret, tmp.resolve("out"), tmp.resolve("certs"), filter -> {
            throw new CaptureUnavailable(NO_PERMISSION);
        });
        Demo.Result r = demo.run();
        assertFalse(r.captured());
        assertEquals(NO_PERMISSION, r.skippedReason());
        // Both exchanges really ran: each server logged the secret it received.
        assertTrue(r.plainServerLog().contains(secret + "\\n"), r.plainServerLog().toString());
        assertTrue(r.tlsServerLog().contains(secret + "\\n"), r.tlsServerLog().toString());
        // The bundled captures carry the default secret: in plain frame 4 after the headers, in no TLS frame.
        assertEquals(Demo.DEFAULT_SECRET, r.secret());
        assertEquals(new Demo.Hit(4, 66), r.plainHit());
        assertNull(r.tlsHit());
        assertEquals(1, r.tlsCarriers().size());
        assertEquals(List.of(r.tlsCarriers().get(0).number()), List.of(20));
        // Its key log is bundled with it: with the session keys the secret is readable again.
        assertEquals(tmp.resolve("out").resolve("tls13-loopback.keys"), r.tlsKeys());
        assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(
                Files.getPosixFilePermissions(r.tlsKeys())));
        assertEquals(new Demo.Decrypted(20, "Application Data (53 bytes): " + Demo.DEFAULT_SECRET + "\\n"), r.decrypted());
        // They are copied where Wireshark can open them.
        byte[] needle = Demo.DEFAULT_SECRET.getBytes(StandardCharsets.UTF_8);
        assertEquals(tmp.resolve("out").resolve("plain-loopback.pcap"), r.plainPcap());
        assertTrue(PcapFile.read(r.plainPcap()).frames().stream().anyMatch(f -> Bytes.indexOf(f.data(), needle) >= 0));
        assertTrue(Files.exists(r.tlsPcap()));
        assertTrue(Demo.asExpected(r));

        StringWriter text = new StringWriter();
        Demo.print(r, new PrintWriter(text));
        List<String> lines = text.toString().lines().toList();
        assertTrue(lines.contains("Capture not possible here: " + NO_PERMISSION), text.toString());
        assertTrue(lines.contains("wirelab, made by this demo on Linux loopback with the secret \"" + Demo.DEFAULT_SECRET
                + "\"."), text.toString());
        assertTrue(lines.contains("== Plain TCP capture (bundled, " + r.plainPcap() + ") =="), text.toString());
        assertTrue(lines.contains("PLAIN TCP: the secret is readable in frame 4 at byte offset 66 (0x0042), byte 0 of"
                + " the TCP payload:"), text.toString());
        assertTrue(lines.stream().anyMatch(l -> l.contains("password=correc")), "the hex dump shows it");
        assertEquals("Verdict: capture not possible here (no permission to capture on lo (socket: Operation not"
                + " permitted)); in the bundled captures the secret was readable in plain-TCP frame 4 at byte 66 and"
                + " absent from the TLS 1.3 capture, readable again with the session keys in TLS frame 20",
                lines.get(lines.size() - 1));
        assertTrue(lines.contains("WITH THE SESSION KEYS (" + r.tlsKeys() + "): the secret is readable again in frame 20,"
                + " decrypted:"), text.toString());
        assertTrue(lines.contains("  the server name: \"localhost\" in the Client Hello's SNI (frame 4)"), text.toString());
        assertTrue(lines.contains("  sizes: every record's length is in its header; the 53-byte line is the 86-byte"
                + " record in frame 20"), text.toString());
    }
}
