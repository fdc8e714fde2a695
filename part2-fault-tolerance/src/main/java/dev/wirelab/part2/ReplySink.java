package dev.wirelab.part2;

import java.io.IOException;

/** Where replies go, each with the moment it is due to leave (System.nanoTime). */
interface ReplySink {

    /** Sends {@code copies} copies of {@code b[off, off+len)} at {@code due}; {@code afterWrite} (may be null) runs once they left. */
    void send(byte[] b, int off, int len, int copies, long due, Runnable afterWrite) throws IOException;

    default void send(byte[] b, int copies, long due) throws IOException {
        send(b, 0, b.length, copies, due, null);
    }

    /** Aborts the connection with a TCP RST at {@code due}, after the replies queued before. */
    void reset(long due) throws IOException;
}
