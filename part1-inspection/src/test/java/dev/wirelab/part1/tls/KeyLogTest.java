package dev.wirelab.part1.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KeyLogTest {

    @TempDir
    Path dir;

    private static final byte[] RANDOM = HexFormat.of().parseHex("00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff");

    @Test
    void aNewKeyLogIsReadableByItsOwnerOnly() throws IOException {
        Path f = dir.resolve("keys.log");
        try (KeyLog log = KeyLog.open(f)) {
            log.write(KeyLog.CLIENT_TRAFFIC_0, RANDOM, new byte[]{1, 2});
        }
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(f)));
    }

    @Test
    void linesAreInTheNssFormatAndAppendedAcrossOpenings() throws IOException {
        Path f = dir.resolve("keys.log");
        try (KeyLog log = KeyLog.open(f)) {
            log.write(KeyLog.CLIENT_HANDSHAKE, RANDOM, new byte[]{(byte) 0xab, 0x01});
        }
        try (KeyLog log = KeyLog.open(f)) {
            log.write(KeyLog.EXPORTER, RANDOM, new byte[]{0x7f});
        }
        assertEquals(List.of(
                "CLIENT_HANDSHAKE_TRAFFIC_SECRET 00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff ab01",
                "EXPORTER_SECRET 00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff 7f"),
                Files.readAllLines(f, StandardCharsets.US_ASCII));
    }

    @Test
    void aKeyLogOthersCanReadIsRefusedWithTheFix() throws IOException {
        Path f = dir.resolve("open.log");
        Files.writeString(f, "");
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-r--r--"));
        IOException e = assertThrows(IOException.class, () -> KeyLog.open(f));
        assertTrue(e.getMessage().contains("open to other users (permissions rw-r--r--)"), e.getMessage());
        assertTrue(e.getMessage().endsWith("chmod 600 " + f), e.getMessage());
    }

    @Test
    void theOptionWinsOverSslkeylogfileAndAnEmptyVariableMeansNone() {
        Path opt = Path.of("a.keys");
        assertEquals(opt, KeyLog.target(opt, Map.of(KeyLog.ENV, "b.keys")));
        assertEquals(Path.of("b.keys"), KeyLog.target(null, Map.of(KeyLog.ENV, "b.keys")));
        assertNull(KeyLog.target(null, Map.of(KeyLog.ENV, " ")));
        assertNull(KeyLog.target(null, Map.of()));
    }

    @Test
    void theScheduleLabelIsReadFromAnHkdfLabel() {
        // HkdfLabel for "c hs traffic", 48 bytes, with a 2-byte context
        byte[] label = "tls13 c hs traffic".getBytes(StandardCharsets.US_ASCII);
        byte[] info = new byte[3 + label.length + 3];
        info[0] = 0;
        info[1] = 48;
        info[2] = (byte) label.length;
        System.arraycopy(label, 0, info, 3, label.length);
        info[3 + label.length] = 2;
        assertEquals("c hs traffic", KeyLoggingCrypto.scheduleLabel(info));
        assertEquals(KeyLog.CLIENT_HANDSHAKE, KeyLog.LABELS.get(KeyLoggingCrypto.scheduleLabel(info)));
        assertNull(KeyLoggingCrypto.scheduleLabel(new byte[]{0, 32}));
        assertNull(KeyLoggingCrypto.scheduleLabel(new byte[]{0, 32, 50, 1}), "a length past the end");
        byte[] tls12 = {0, 12, 6, 'm', 'a', 's', 't', 'e', 'r'};
        assertNull(KeyLoggingCrypto.scheduleLabel(tls12), "not a TLS 1.3 label");
        assertFalse(KeyLog.LABELS.containsKey("key"), "record keys are not logged, only secrets");
    }
}
