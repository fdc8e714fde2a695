package dev.wirelab.part1.tls;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CertStoreTest {

    @Test
    void theFirstStartMakesASelfSignedServerCertificateForLocalhost(@TempDir Path dir) throws Exception {
        CertStore.Identity id = CertStore.loadOrCreate(dir);
        assertTrue(id.created());
        X509Certificate c = id.certificate();
        assertEquals(dir.resolve("server.pem"), id.certFile());
        assertEquals(c.getSubjectX500Principal(), c.getIssuerX500Principal());
        c.verify(c.getPublicKey());
        List<String> sans = new ArrayList<>();
        for (List<?> san : c.getSubjectAlternativeNames()) {
            sans.add(san.get(0) + "=" + san.get(1));
        }
        assertTrue(sans.contains("2=localhost"), sans.toString());
        assertTrue(sans.contains("7=127.0.0.1"), sans.toString());
        assertTrue(sans.stream().anyMatch(s -> s.equals("7=0:0:0:0:0:0:0:1") || s.equals("7=::1")), sans.toString());
        assertEquals(List.of("1.3.6.1.5.5.7.3.1"), c.getExtendedKeyUsage());
        assertEquals(-1, c.getBasicConstraints());
        assertTrue(Files.readString(id.certFile()).startsWith("-----BEGIN CERTIFICATE-----"));
        assertTrue(Files.readString(dir.resolve("server-key.pem")).startsWith("-----BEGIN PRIVATE KEY-----"));
        assertEquals(95, id.sha256Fingerprint().length());
    }

    @Test
    void theKeyIsReadableByItsOwnerOnly(@TempDir Path dir) throws Exception {
        Assumptions.assumeTrue(FileSystems.getDefault().supportedFileAttributeViews().contains("posix"),
                "file permissions are POSIX-only");
        CertStore.loadOrCreate(dir);
        assertEquals(Set.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE),
                Files.getPosixFilePermissions(dir.resolve("server-key.pem")));
    }

    @Test
    void aKeyOthersCanReadIsRefusedLikeSshDoesAndNotReplaced(@TempDir Path dir) throws Exception {
        Assumptions.assumeTrue(FileSystems.getDefault().supportedFileAttributeViews().contains("posix"),
                "file permissions are POSIX-only");
        CertStore.Identity first = CertStore.loadOrCreate(dir);
        Path key = dir.resolve("server-key.pem");
        byte[] keyBytes = Files.readAllBytes(key);
        for (String open : List.of("rw-r--r--", "rw-rw----", "rw-----w-")) {
            Files.setPosixFilePermissions(key, PosixFilePermissions.fromString(open));
            var e = org.junit.jupiter.api.Assertions.assertThrows(java.io.IOException.class, () -> CertStore.loadOrCreate(dir));
            assertEquals("the private key " + key + " is open to other users (permissions " + open + "): anyone who"
                    + " can read it can pose as this server, so it is not used; fix it with: chmod 600 " + key
                    + " (or delete " + dir + " to make a new key and certificate)", e.getMessage());
            assertArrayEquals(keyBytes, Files.readAllBytes(key), "the key is left for the user to fix");
        }
        Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-------"));
        assertEquals(first.sha256Fingerprint(), CertStore.loadOrCreate(dir).sha256Fingerprint());
        Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("r--------"));
        assertFalse(CertStore.loadOrCreate(dir).created(), "read-only for its owner is fine");
    }

    @Test
    void laterStartsReuseTheSameCertificate(@TempDir Path dir) throws Exception {
        CertStore.Identity first = CertStore.loadOrCreate(dir);
        CertStore.Identity second = CertStore.loadOrCreate(dir);
        assertFalse(second.created());
        assertEquals(first.sha256Fingerprint(), second.sha256Fingerprint());
        assertArrayEquals(first.key().getEncoded(), second.key().getEncoded());
    }

    @Test
    void aBrokenKeyFileIsReplacedByAFreshPair(@TempDir Path dir) throws Exception {
        CertStore.Identity first = CertStore.loadOrCreate(dir);
        Files.writeString(dir.resolve("server-key.pem"), "not a key");
        CertStore.Identity again = CertStore.loadOrCreate(dir);
        assertTrue(again.created());
        assertNotEquals(first.sha256Fingerprint(), again.sha256Fingerprint());
    }

    @Test
    void theFingerprintIsOpensslsSha256Fingerprint(@TempDir Path dir) throws Exception {
        CertStore.Identity id = CertStore.loadOrCreate(dir);
        Process p;
        try {
            p = new ProcessBuilder("openssl", "x509", "-in", id.certFile().toString(), "-noout", "-fingerprint", "-sha256")
                    .redirectErrorStream(true).start();
        } catch (java.io.IOException e) {
            Assumptions.abort("openssl is not installed");
            return;
        }
        String out = new String(p.getInputStream().readAllBytes()).strip();
        assertTrue(p.waitFor(20, java.util.concurrent.TimeUnit.SECONDS));
        assertTrue(out.endsWith("=" + id.sha256Fingerprint()), out);
    }

    @Test
    void aCertDirThatCannotBeCreatedSaysWhyNotOnlyWhere(@TempDir Path dir) throws Exception {
        Path file = Files.createFile(dir.resolve("a-file"));
        var e = org.junit.jupiter.api.Assertions.assertThrows(java.io.IOException.class,
                () -> CertStore.loadOrCreate(file.resolve("tls")));
        String reason = e.getMessage().substring(e.getMessage().indexOf(": ") + 2);
        assertFalse(reason.equals(file.resolve("tls").toString()) || reason.equals(file.toString()),
                "the reason is more than a path: " + e.getMessage());
        assertTrue(reason.contains("(" + file), e.getMessage());
    }
}
