package dev.wirelab.part1.capture;

/**
 * One frame as libpcap saw it: when, how long it was on the wire, and the bytes captured (at most
 * the snap length).
 */
public record CapturedFrame(long epochNanos, int wireLength, byte[] data) {

    public CapturedFrame {
        if (wireLength < data.length) {
            wireLength = data.length;
        }
    }
}
