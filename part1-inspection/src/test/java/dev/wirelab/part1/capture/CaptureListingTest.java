package dev.wirelab.part1.capture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyInt;
import static org.mockito.Mockito.doNothing;
import static org.mockito.Mockito.doThrow;
import static org.mockito.Mockito.mock;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The capture command's logic on a frame source the test controls: no libpcap or root needed.
 * (LiveCaptureTest runs it on real captures where they are possible.)
 */
@Timeout(30)
class CaptureListingTest {

    /**
     * Hands its frames over on a thread of its own when started, like libpcap's poller; or, when
     * {@code atOnce}, before start returns (frames that were already waiting in the kernel).
     */
    static final class ScriptedSource implements FrameSource {
        final List<CapturedFrame> frames;
        final boolean atOnce;
        Thread thread;
        volatile RuntimeException failure;

        ScriptedSource(List<CapturedFrame> frames) {
            this(frames, false);
        }

        ScriptedSource(List<CapturedFrame> frames, boolean atOnce) {
            this.frames = frames;
            this.atOnce = atOnce;
        }

        @Override
        public String interfaceName() {
            return "lo";
        }

        @Override
        public LinkType linkType() {
            return LinkType.ETHERNET;
        }

        @Override
        public int linkTypeCode() {
            return 1;
        }

        @Override
        public void start(Consumer<CapturedFrame> sink) {
            Runnable deliver = () -> {
                try {
                    frames.forEach(sink);
                } catch (RuntimeException e) {
                    failure = e;
                }
            };
            if (atOnce) {
                deliver.run();
            }
            thread = Thread.ofVirtual().start(atOnce ? () -> { } : deliver);
        }

        @Override
        public LiveCapture.Stats stop() throws IOException {
            try {
                thread.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (failure instanceof UncheckedIOException u) {
                throw u.getCause();
            }
            return new LiveCapture.Stats(frames.size(), 0, 0);
        }

        @Override
        public long delivered() {
            return thread == null || thread.isAlive() ? 0 : frames.size();
        }


        @Override
        public void close() {
        }
    }

    static List<CapturedFrame> helloExchange() {
        List<CapturedFrame> out = new ArrayList<>();
        List<byte[]> ip = TestFrames.exchange(false);
        for (int i = 0; i < ip.size(); i++) {
            byte[] f = TestFrames.ethernet(ip.get(i), false);
            out.add(new CapturedFrame(TestFrames.timeOf(i), f.length, f));
        }
        return out;
    }

    /** A Writer that counts a latch down once the text written so far contains {@code awaited}. */
    static final class Watched extends StringWriter {
        final CountDownLatch seen = new CountDownLatch(1);
        final String awaited;

        Watched(String awaited) {
            this.awaited = awaited;
        }

        @Override
        public void write(String str, int off, int len) {
            super.write(str, off, len);
            if (toString().contains(awaited)) {
                seen.countDown();
            }
        }
    }

    @Test
    void aCaptureThatSeesNoPacketSaysWhatToCheckAndKeepsCapturing() throws Exception {
        Watched err = new Watched("No packet");
        StringWriter out = new StringWriter();
        CaptureListing listing = new CaptureListing(new CaptureListing.Options(null, Duration.ofSeconds(20), null,
                false, false, 8080, Duration.ofMillis(100)), new PrintWriter(out), new PrintWriter(err, true));
        CompletableFuture<Integer> run = CompletableFuture.supplyAsync(() -> {
            try {
                return listing.listLive(new ScriptedSource(List.of()), "port 8080");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        assertTrue(err.seen.await(10, TimeUnit.SECONDS), "no hint: " + err);
        assertFalse(run.isDone(), "the hint does not end the capture");
        listing.stop(); // Ctrl-C
        assertEquals(0, run.get(10, TimeUnit.SECONDS));
        assertEquals(List.of(
                "Capturing on lo (Ethernet), filter \"port 8080\"; stop with Ctrl-C or after 20 s",
                "No packet on lo matching \"port 8080\" in 0.1 s: is the server running (did it print \"Listening on"
                        + " ...\"?), and is the client sending to that port? Still capturing.",
                "0 packets captured, 0 dropped by the kernel"), err.toString().lines().toList());
    }

    @Test
    void noHintOncePacketsArrive() throws Exception {
        StringWriter err = new StringWriter();
        StringWriter out = new StringWriter();
        CaptureListing listing = new CaptureListing(new CaptureListing.Options(8, Duration.ofSeconds(20), null,
                false, false, 8080, Duration.ofMillis(1)), new PrintWriter(out), new PrintWriter(err));
        // The frames are there before the listing starts to wait: however short the hint's delay,
        // it must not be shown.
        assertEquals(8, listing.listLive(new ScriptedSource(helloExchange(), true), "port 8080"));
        assertFalse(err.toString().contains("No packet"), err.toString());
        assertTrue(err.toString().endsWith("8 packets captured, 0 dropped by the kernel" + System.lineSeparator()),
                err.toString());
        assertEquals(9, out.toString().lines().count(), "the header and 8 rows: " + out);
    }

    @Test
    void aDiskThatFillsUpDuringTheCaptureEndsItWithTheReason() throws Exception {
        // The file's stream takes the header and one flush, then fails as a full disk does.
        OutputStream disk = mock(OutputStream.class);
        doNothing().doNothing().doThrow(new IOException("No space left on device"))
                .when(disk).write(any(byte[].class), anyInt(), anyInt());
        Path file = Path.of("capture.pcap");
        StringWriter err = new StringWriter();
        CaptureListing listing = new CaptureListing(new CaptureListing.Options(null, Duration.ofSeconds(20), file,
                true, false, 8080, null), new PrintWriter(new StringWriter()), new PrintWriter(err),
                (p, link) -> new PcapFile.Writer(p, disk, link));
        // Frames bigger than the writer's buffer go to the stream at once: the second one fails.
        List<CapturedFrame> big = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            big.add(new CapturedFrame(i, 20_000, new byte[20_000]));
        }
        IOException e = assertThrows(IOException.class, () -> listing.listLive(new ScriptedSource(big), "port 8080"));
        assertEquals("cannot write capture.pcap: No space left on device", e.getMessage());
        assertFalse(err.toString().contains("packets captured"), "no count claims the file was written: " + err);
    }
}
