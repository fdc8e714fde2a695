package dev.wirelab.part1.capture;

import java.io.IOException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

/**
 * Where a live listing gets its frames: libpcap ({@link LiveCapture}), or a stand-in in tests.
 * Frames are handed to the sink on the source's own thread, in capture order.
 */
public interface FrameSource extends AutoCloseable {

    String interfaceName();

    /** Null when this tool cannot decode the interface's link type (the raw code is still known). */
    LinkType linkType();

    int linkTypeCode();

    void start(Consumer<CapturedFrame> sink);

    /**
     * Stops after handing on what is already captured; throws what ended the capture early, if
     * anything did (the sink throwing included).
     */
    LiveCapture.Stats stop() throws IOException;

    /** Frames handed to the sink so far. */
    long delivered();

    /**
     * Waits until the source has been quiet for {@code quietMillis} (at most {@code maxMillis}):
     * frames of an exchange that just ended may still sit in the kernel buffer.
     */
    default void awaitQuiet(long quietMillis, long maxMillis) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(maxMillis);
        long last = delivered();
        long quietSince = System.nanoTime();
        while (System.nanoTime() < deadline) {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
            long now = delivered();
            if (now != last) {
                last = now;
                quietSince = System.nanoTime();
            } else if (System.nanoTime() - quietSince >= TimeUnit.MILLISECONDS.toNanos(quietMillis)) {
                return;
            }
        }
    }

    @Override
    void close() throws IOException;
}
