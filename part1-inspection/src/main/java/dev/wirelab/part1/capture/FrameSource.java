package dev.wirelab.part1.capture;

import java.io.IOException;
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

    @Override
    void close() throws IOException;
}
