package dev.wirelab.part1;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The demo's last line, which ./lab demo copies into its summary; these cases need no capture. */
class DemoVerdictTest {

    private static final String NO_PERMISSION = "no permission to capture on lo (socket: Operation not permitted):"
            + " capturing needs root or CAP_NET_RAW+CAP_NET_ADMIN; run with sudo, or once: sudo setcap"
            + " cap_net_raw,cap_net_admin=eip $(readlink -f $(which java))";

    private static Demo.Result skipped(String why) {
        return new Demo.Result(why, List.of(), List.of(), null, null, List.of(), null, null,
                List.of("Got connection from ('127.0.0.1', 40000)", "secret\\n", "Client disconnected"),
                List.of("Got connection from ('127.0.0.1', 40002)", "secret\\n", "Client disconnected"));
    }

    private static List<String> printed(Demo.Result r) {
        StringWriter text = new StringWriter();
        Demo.print(r, "secret", new PrintWriter(text));
        return text.toString().lines().toList();
    }

    @Test
    void aSkippedCaptureEndsWithAShortVerdictNamingTheCauseWithoutTheFix() {
        List<String> lines = printed(skipped(NO_PERMISSION));
        assertEquals("Verdict: capture skipped (no permission to capture on lo (socket: Operation not permitted));"
                + " both exchanges ran", lines.get(lines.size() - 1));
        assertTrue(lines.contains("Capture skipped: " + NO_PERMISSION), lines.toString());
        assertTrue(Demo.asExpected(skipped(NO_PERMISSION)), "a skipped capture is not a failure");
    }

    @Test
    void aMissingLibpcapIsNamedInTheVerdict() {
        String why = "libpcap was not found (UnsatisfiedLinkError); install it: sudo apt-get install libpcap0.8";
        assertEquals("Verdict: capture skipped (libpcap was not found (UnsatisfiedLinkError)); both exchanges ran",
                Demo.verdict(skipped(why)));
    }

    @Test
    void aSecretReadableInTheTlsCaptureIsAFailedDemo() {
        Demo.Result r = new Demo.Result(null, List.of(), List.of(), new Demo.Hit(4, 66), new Demo.Hit(9, 120),
                List.of(), null, null, List.of(), List.of());
        assertFalse(Demo.asExpected(r));
        assertEquals("Verdict: the secret was readable in TLS frame 9 too - the TLS setup is broken", Demo.verdict(r));
    }

    @Test
    void aSecretLostFromThePlainCaptureIsAFailedDemo() {
        Demo.Result r = new Demo.Result(null, List.of(), List.of(), null, null, List.of(), null, null,
                List.of(), List.of());
        assertFalse(Demo.asExpected(r));
        assertTrue(Demo.verdict(r).startsWith("Verdict: the secret was found in neither capture"), Demo.verdict(r));
    }
}
