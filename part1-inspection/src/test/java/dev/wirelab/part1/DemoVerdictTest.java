package dev.wirelab.part1;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The demo's last line, which ./lab demo copies into its summary. */
class DemoVerdictTest {

    private static final String NO_PERMISSION = "no permission to capture on lo (socket: Operation not permitted):"
            + " capturing needs root or CAP_NET_RAW+CAP_NET_ADMIN; run with sudo, or once: sudo setcap"
            + " cap_net_raw,cap_net_admin=eip $(readlink -f $(which java))";

    private static Demo.Result result(String skipped, Demo.Hit plain, Demo.Hit tls) {
        return new Demo.Result(skipped, "secret", List.of(), List.of(), plain, tls, List.of(), null, null,
                List.of(), List.of());
    }

    @Test
    void aLiveRunNamesTheFrameAndByteOfTheSecret() {
        Demo.Result r = result(null, new Demo.Hit(4, 66), null);
        assertTrue(Demo.asExpected(r));
        assertEquals("Verdict: the secret was readable in plain-TCP frame 4 at byte 66 and absent from the TLS 1.3"
                + " capture", Demo.verdict(r));
    }

    @Test
    void withoutCaptureTheVerdictSaysWhyInShortAndThatTheBundledCapturesShowIt() {
        Demo.Result r = result(NO_PERMISSION, new Demo.Hit(4, 66), null);
        assertTrue(Demo.asExpected(r));
        assertEquals("Verdict: capture not possible here (no permission to capture on lo (socket: Operation not"
                + " permitted)); in the bundled captures the secret was readable in plain-TCP frame 4 at byte 66 and"
                + " absent from the TLS 1.3 capture", Demo.verdict(r));
    }

    @Test
    void withTheSessionKeysTheVerdictNamesTheFrameWhereTheSecretIsReadableAgain() {
        Demo.Result base = result(null, new Demo.Hit(4, 66), null);
        Demo.Result r = withKeys(base, new Demo.Decrypted(20, "Application Data (7 bytes): secret\\n"));
        assertTrue(Demo.asExpected(r));
        assertEquals("Verdict: the secret was readable in plain-TCP frame 4 at byte 66 and absent from the TLS 1.3"
                + " capture, readable again with the session keys in TLS frame 20", Demo.verdict(r));
    }

    @Test
    void sessionKeysThatDoNotDecryptTheSecretAreAFailedDemo() {
        Demo.Result r = withKeys(result(null, new Demo.Hit(4, 66), null), null);
        assertFalse(Demo.asExpected(r));
        assertTrue(Demo.verdict(r).endsWith(", and the session keys did not decrypt it"), Demo.verdict(r));
    }

    private static Demo.Result withKeys(Demo.Result r, Demo.Decrypted d) {
        return new Demo.Result(r.skippedReason(), r.secret(), r.plainRows(), r.tlsRows(), r.plainHit(), r.tlsHit(),
                r.tlsCarriers(), r.plainPcap(), r.tlsPcap(), r.plainServerLog(), r.tlsServerLog(),
                java.nio.file.Path.of("tls.keys"), d);
    }

    @Test
    void aMissingLibpcapIsNamedWithoutItsFix() {
        String why = "libpcap was not found (UnsatisfiedLinkError); install it: sudo apt-get install libpcap0.8";
        assertEquals("libpcap was not found (UnsatisfiedLinkError)", Demo.shortReason(why));
    }

    @Test
    void aSecretReadableInTheTlsCaptureIsAFailedDemo() {
        Demo.Result r = result(null, new Demo.Hit(4, 66), new Demo.Hit(9, 120));
        assertFalse(Demo.asExpected(r));
        assertEquals("Verdict: the secret was readable in TLS frame 9 too - the TLS setup is broken", Demo.verdict(r));
    }

    @Test
    void aSecretLostFromThePlainCaptureIsAFailedDemo() {
        Demo.Result r = result(null, null, null);
        assertFalse(Demo.asExpected(r));
        assertTrue(Demo.verdict(r).startsWith("Verdict: the secret was found in neither capture"), Demo.verdict(r));
    }
}
