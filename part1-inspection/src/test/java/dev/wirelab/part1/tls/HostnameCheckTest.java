package dev.wirelab.part1.tls;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HostnameCheckTest {

    @TempDir
    static Path dir;
    static CertStore.Identity id;

    @BeforeAll
    static void identity() throws Exception {
        id = CertStore.loadOrCreate(dir);
    }

    @Test
    void theNamesAndAddressesOfTheServersCertificateMatch() {
        assertTrue(HostnameCheck.matches(id.certificate(), "localhost"));
        assertTrue(HostnameCheck.matches(id.certificate(), "LOCALHOST."));
        assertTrue(HostnameCheck.matches(id.certificate(), "127.0.0.1"));
        assertTrue(HostnameCheck.matches(id.certificate(), "::1"));
        assertTrue(HostnameCheck.matches(id.certificate(), "0:0:0:0:0:0:0:1"));
    }

    @Test
    void otherNamesAndAddressesDoNot() {
        assertFalse(HostnameCheck.matches(id.certificate(), "wirelab.example"));
        assertFalse(HostnameCheck.matches(id.certificate(), "127.0.0.2"));
        assertFalse(HostnameCheck.matches(id.certificate(), "localhost.example"));
        assertFalse(HostnameCheck.matches(id.certificate(), ""));
    }

    @Test
    void aWildcardCoversExactlyOneLeftmostLabel() {
        assertTrue(HostnameCheck.dnsMatches("*.lab.example", "a.lab.example"));
        assertFalse(HostnameCheck.dnsMatches("*.lab.example", "a.b.lab.example"));
        assertFalse(HostnameCheck.dnsMatches("*.lab.example", "lab.example"));
        assertFalse(HostnameCheck.dnsMatches("*.example", "lab.example"), "a wildcard over a top-level name");
    }
}
