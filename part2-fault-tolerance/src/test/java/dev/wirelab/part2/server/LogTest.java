package dev.wirelab.part2.server;

import dev.wirelab.part2.EchoServer;
import dev.wirelab.part2.TestClient;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CountDownLatch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(60)
class LogTest {

    /** An output nobody reads: every write waits until the test lets it go, like a paused terminal. */
    static final class StuckOutput extends OutputStream {
        final CountDownLatch released = new CountDownLatch(1);
        final ByteArrayOutputStream written = new ByteArrayOutputStream();

        @Override
        public void write(int b) throws IOException {
            write(new byte[]{(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            try {
                released.await();
            } catch (InterruptedException e) {
                throw new IOException(e);
            }
            synchronized (written) {
                written.write(b, off, len);
            }
        }

        String text() {
            synchronized (written) {
                return written.toString(StandardCharsets.UTF_8);
            }
        }
    }

    @Test
    void aStuckOutputNeverBlocksTheCallerLinesAreDroppedAndCountedThenReported() throws Exception {
        StuckOutput stuck = new StuckOutput();
        Log log = new Log(new PrintWriter(stuck, false), 16);
        for (int i = 0; i < 10_000; i++) {
            log.offer("line " + i); // with a blocking log this never returns
        }
        // All but the 16 queued and the few the writer took into its output buffer before it stuck.
        assertTrue(log.dropped() >= 9_000, "dropped " + log.dropped());
        stuck.released.countDown();
        log.close(Duration.ofSeconds(10));
        assertTrue(stuck.text().contains("lines dropped (the output could not keep up"), stuck.text());
    }

    @Test
    void aLongMessageIsShownCutWithItsLengthAndEscaped() {
        byte[] big = new byte[1000];
        Arrays.fill(big, (byte) 0xff);
        String shown = Log.shown(big);
        assertTrue(shown.endsWith("... (1000 bytes)"), shown);
        assertEquals(Log.MAX_SHOWN_BYTES * 4 + "... (1000 bytes)".length(), shown.length(), shown);
        assertEquals("a\\nb", Log.shown("a\nb".getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void aServerLoggingToAStuckOutputStillServesNewClients() throws Exception {
        StuckOutput stuck = new StuckOutput();
        Log log = new Log(new PrintWriter(stuck, false));
        try (EchoServer server = EchoServer.builder().log(log.sink()).start()) {
            byte[] kb = new byte[1024];
            Arrays.fill(kb, (byte) 'x');
            kb[kb.length - 1] = '\n';
            try (TestClient flood = new TestClient(server.address())) {
                for (int i = 0; i < 200; i++) {
                    flood.send(kb);
                    flood.readExactly(kb.length);
                }
            }
            for (int i = 0; i < 5; i++) {
                try (TestClient c = new TestClient(server.address())) {
                    c.socket.setSoTimeout(5_000);
                    c.sendLine("Test" + i);
                    assertEquals("Test" + i + "\n", c.readLine());
                }
            }
        } finally {
            stuck.released.countDown();
            log.close();
        }
    }
}
