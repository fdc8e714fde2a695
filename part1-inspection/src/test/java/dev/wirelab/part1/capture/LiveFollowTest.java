package dev.wirelab.part1.capture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wirelab.part1.capture.CaptureListingTest.ScriptedSource;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A live capture with --follow prints streams, not rows; the packets still count. */
class LiveFollowTest {

    @Test
    @Timeout(30)
    void aLiveCaptureWithFollowPrintsTheStreamAndNoPacketList() throws Exception {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CaptureListing listing = new CaptureListing(new CaptureListing.Options(8, Duration.ofSeconds(20), null,
                false, false, 8080, null, true, null), new PrintWriter(out), new PrintWriter(err));
        assertEquals(8, listing.listLive(new ScriptedSource(CaptureListingTest.helloExchange(), true), "port 8080"));
        String shown = out.toString();
        assertFalse(shown.contains("No. Time"), shown);
        assertTrue(shown.startsWith("===== TCP stream 0: client 127.0.0.1:54830, server 127.0.0.1:8080 (frames 1–7) ====="),
                shown);
        assertTrue(shown.contains("client → server, 19 bytes, frame 4" + "\n    Hello from Client.\\n\n"), shown);
        assertEquals(List.of("===== TCP stream 0: client 127.0.0.1:54830, server 127.0.0.1:8080 (frames 1–7) ====="),
                shown.lines().filter(l -> l.startsWith("=====")).toList(), "one stream, printed once");
        assertTrue(err.toString().contains("8 packets captured"), err.toString());
    }
}
