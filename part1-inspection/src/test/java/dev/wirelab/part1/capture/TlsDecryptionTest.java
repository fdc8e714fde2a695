package dev.wirelab.part1.capture;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * TLS 1.3 decryption with a key log, on the golden fixture: {@code tls13-keylog.pcap} (the
 * project's server with --keylog, its client, the default secret, captured on Linux loopback)
 * and the key log the server wrote, {@code tls13-keylog.keys}.
 */
class TlsDecryptionTest {

    static final String SECRET = "username=alice password=correct-horse-battery-staple";
    static final HexFormat HEX = HexFormat.of();

    static List<PacketList.Row> rows() throws Exception {
        return PacketListFixturesTest.rows("tls13-keylog.pcap");
    }

    static KeyLogFile keys() throws Exception {
        return KeyLogFile.read(Fixtures.path("tls13-keylog.keys"));
    }

    /** Frame number to the summaries of the records decrypted in it. */
    static Map<Integer, List<String>> decrypt(KeyLogFile keys, List<TlsDecryptor.Decrypted> all) throws Exception {
        TlsDecryptor d = new TlsDecryptor(keys);
        Map<Integer, List<String>> out = new LinkedHashMap<>();
        for (PacketList.Row r : rows()) {
            for (TlsDecryptor.Decrypted x : d.add(r)) {
                out.computeIfAbsent(x.frame(), k -> new ArrayList<>()).add(x.summary());
                all.add(x);
            }
        }
        return out;
    }

    @Test
    void keyAndIvComeFromTheTrafficSecretAsInRfc8448() throws Exception {
        // RFC 8448, 3: the server's handshake traffic secret, and the write key and IV derived from it
        byte[] secret = HEX.parseHex("b67b7d690cc16c4e75e54213cb2d37b4e9c912bcded9105d42befd59d391ad38");
        assertArrayEquals(HEX.parseHex("3fce516009c21727d0f2e4e86ee403bc"),
                Tls13RecordCipher.hkdfExpandLabel("HmacSHA256", secret, "key", new byte[0], 16));
        assertArrayEquals(HEX.parseHex("5d313eb2671276ee13000b30"),
                Tls13RecordCipher.hkdfExpandLabel("HmacSHA256", secret, "iv", new byte[0], 12));
    }

    @Test
    void theNonceIsTheIvXorTheRecordNumber() {
        Tls13RecordCipher c = Tls13RecordCipher.of(Tls13RecordCipher.TLS_AES_128_GCM_SHA256,
                HEX.parseHex("b67b7d690cc16c4e75e54213cb2d37b4e9c912bcded9105d42befd59d391ad38"));
        assertEquals("5d313eb2671276ee13000b30", HEX.formatHex(c.nonce(0)));
        assertEquals("5d313eb2671276ee13000b31", HEX.formatHex(c.nonce(1)));
        assertEquals("5d313eb2671276ef13000a31", HEX.formatHex(c.nonce(0x0000000100000101L)));
    }

    @Test
    void withTheKeyLogThePasswordIsReadableInFrame20AndEveryRecordOpens() throws Exception {
        List<TlsDecryptor.Decrypted> all = new ArrayList<>();
        Map<Integer, List<String>> byFrame = decrypt(keys(), all);
        assertEquals(Map.of(
                10, List.of("Handshake: Encrypted Extensions"),
                12, List.of("Handshake: Certificate"),
                15, List.of("Handshake: Certificate Verify"),
                17, List.of("Handshake: Finished"),
                19, List.of("Handshake: Finished"),
                20, List.of("Application Data (53 bytes): " + SECRET + "\\n"),
                22, List.of("Alert (Level: Warning, Description: Close Notify)"),
                24, List.of("Alert (Level: Warning, Description: Close Notify)")), byFrame);
        TlsDecryptor.Decrypted data = all.stream().filter(x -> x.frame() == 20).findFirst().orElseThrow();
        assertEquals(TlsRecords.APPLICATION_DATA, data.contentType());
        assertEquals(SECRET + "\n", new String(data.content(), StandardCharsets.UTF_8));
    }

    @Test
    void theSummarySaysHowManyRecordsOfHowManySessionsWereDecrypted() throws Exception {
        TlsDecryptor d = new TlsDecryptor(keys());
        rows().forEach(d::add);
        assertEquals("TLS: decrypted 8 records of 1 session with the keys in " + Fixtures.path("tls13-keylog.keys"),
                d.summary());
    }

    @Test
    void theKeysOfAnotherSessionOpenNothingAndTheSummaryNamesTheMissingSession() throws Exception {
        List<String> lines = Files.readAllLines(Fixtures.path("tls13-keylog.keys")).stream()
                .map(l -> l.replaceFirst(" 20c2", " ffff")).toList();
        List<TlsDecryptor.Decrypted> all = new ArrayList<>();
        assertEquals(Map.of(), decrypt(KeyLogFile.of(lines), all));
        TlsDecryptor d = new TlsDecryptor(KeyLogFile.of(lines));
        rows().forEach(d::add);
        assertTrue(d.summary().contains("decrypted 0 records of 0 sessions"), d.summary());
        assertTrue(d.summary().contains("no keys there for 1 session (client random 20c2737a"), d.summary());
    }

    @Test
    void aChangedByteOrAWrongRecordNumberFailsTheTag() throws Exception {
        byte[] record = rows().get(19).tlsRecords().getFirst().bytes(); // frame 20, the client's first data record
        byte[] secret = keys().session(clientRandom()).get("CLIENT_TRAFFIC_SECRET_0");
        Tls13RecordCipher c = Tls13RecordCipher.of(Tls13RecordCipher.TLS_AES_256_GCM_SHA384, secret);
        assertEquals(SECRET + "\n", new String(c.decrypt(record, 0).content(), StandardCharsets.UTF_8));
        assertThrows(GeneralSecurityException.class, () -> c.decrypt(record, 1));
        byte[] changed = record.clone();
        changed[20] ^= 1;
        assertThrows(GeneralSecurityException.class, () -> c.decrypt(changed, 0));
        byte[] header = record.clone();
        header[4] ^= 1; // the length in the header is authenticated data too
        assertThrows(GeneralSecurityException.class, () -> c.decrypt(header, 0));
    }

    private static byte[] clientRandom() throws Exception {
        byte[] hello = rows().get(3).tlsRecords().getFirst().bytes();
        return java.util.Arrays.copyOfRange(hello, 11, 43);
    }

    @Test
    void keyLogLinesThatAreNotSecretsAreSkipped() {
        KeyLogFile k = KeyLogFile.of(List.of("# a comment", "", "CLIENT_RANDOM short 00",
                "SERVER_TRAFFIC_SECRET_0 " + "ab".repeat(32) + " zz",
                "SERVER_TRAFFIC_SECRET_0 " + "AB".repeat(32) + " 0102"));
        assertEquals(1, k.sessions());
        assertArrayEquals(new byte[]{1, 2}, k.session(HEX.parseHex("ab".repeat(32))).get("SERVER_TRAFFIC_SECRET_0"));
    }

    @Test
    @Timeout(60)
    void tsharkDecryptsTheSameCaptureWithTheSameKeyLogAndNamesTheRecordsAsWeDo() throws Exception {
        Assumptions.assumeTrue(PacketListFixturesTest.Tools.has("tshark"),
                "tshark is not installed; install it to decrypt the capture with Wireshark too");
        String keyOpt = "tls.keylog_file:" + Fixtures.path("tls13-keylog.keys");
        String pcap = Fixtures.path("tls13-keylog.pcap").toString();
        List<String> data = PacketListFixturesTest.Tools.run("tshark", "-o", keyOpt, "-o", "data.show_as_text:TRUE",
                "-r", pcap, "-Y", "data", "-T", "fields", "-e", "frame.number", "-e", "data.text");
        assertEquals(List.of("20\t" + SECRET + "\\n"), data, "tshark finds the secret in frame 20, as we do");
        List<String> info = PacketListFixturesTest.Tools.run("tshark", "-o", keyOpt, "-r", pcap, "-Y", "tls",
                "-T", "fields", "-e", "frame.number", "-e", "_ws.col.Info");
        Map<Integer, List<String>> ours = decrypt(keys(), new ArrayList<>());
        for (String line : info) {
            String[] f = line.split("\t");
            List<String> mine = ours.get(Integer.parseInt(f[0]));
            if (mine != null && mine.getFirst().startsWith("Handshake: ")) {
                assertEquals(f[1], mine.getFirst().substring("Handshake: ".length()), "frame " + f[0]);
            }
        }
        List<String> without = PacketListFixturesTest.Tools.run("tshark", "-r", pcap, "-Y", "data");
        assertEquals(List.of(), without, "without the key log tshark reads no application data either");
    }
}
