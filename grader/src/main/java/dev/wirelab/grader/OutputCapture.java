package dev.wirelab.grader;

import dev.wirelab.common.Bytes;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * What a student's program printed on one stream, bounded: the first {@value #HEAD} and the last
 * {@value #TAIL} bytes are kept (the start says what it is, the end holds the traceback), the rest
 * is counted. A program that prints without end costs the grader no memory.
 */
public final class OutputCapture {

    static final int HEAD = 4 * 1024;
    static final int TAIL = 28 * 1024;

    private final byte[] head = new byte[HEAD];
    private int headLength;
    private final byte[] tail = new byte[TAIL];
    private long tailWritten;
    private long total;
    private final Thread reader;

    private OutputCapture(InputStream in, String name) {
        this.reader = Thread.ofVirtual().name(name).start(() -> drain(in));
    }

    /** Starts reading {@code in} until its end, in a thread of its own. */
    public static OutputCapture of(InputStream in, String name) {
        return new OutputCapture(in, name);
    }

    private void drain(InputStream in) {
        byte[] buf = new byte[8192];
        try (in) {
            int n;
            while ((n = in.read(buf)) >= 0) {
                append(buf, n);
            }
        } catch (IOException ignored) {
            // the program is gone; what arrived is kept
        }
    }

    private synchronized void append(byte[] buf, int n) {
        for (int i = 0; i < n; i++) {
            if (headLength < HEAD) {
                head[headLength++] = buf[i];
            } else {
                tail[(int) (tailWritten++ % TAIL)] = buf[i];
            }
        }
        total += n;
    }

    /** Waits (bounded) until the stream ended; a grandchild may still hold it open. */
    public void await(long millis) {
        try {
            reader.join(java.time.Duration.ofMillis(Math.max(1, millis)));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    public synchronized long totalBytes() {
        return total;
    }

    /** The kept bytes, in order, and how many were left out between head and tail. */
    private synchronized Kept kept() {
        int tailLength = (int) Math.min(tailWritten, TAIL);
        byte[] t = new byte[tailLength];
        long start = tailWritten - tailLength;
        for (int i = 0; i < tailLength; i++) {
            t[i] = tail[(int) ((start + i) % TAIL)];
        }
        return new Kept(Arrays.copyOf(head, headLength), t, total - headLength - tailLength);
    }

    private record Kept(byte[] head, byte[] tail, long skipped) {
    }

    /** Every kept line, escaped for a terminal, with a marker where bytes were left out. */
    public List<String> lines() {
        Kept k = kept();
        List<String> out = new ArrayList<>(split(k.head()));
        if (k.skipped() > 0) {
            out.add("... (" + k.skipped() + " bytes left out) ...");
        }
        out.addAll(split(k.tail()));
        return out;
    }

    private static List<String> split(byte[] b) {
        List<String> out = new ArrayList<>();
        int from = 0;
        for (int i = 0; i <= b.length; i++) {
            if (i == b.length || b[i] == '\n') {
                if (i > from || i < b.length) {
                    int end = i > from && b[i - 1] == '\r' ? i - 1 : i;
                    out.add(Bytes.escape(b, from, end - from));
                }
                from = i + 1;
            }
        }
        return out;
    }
}
