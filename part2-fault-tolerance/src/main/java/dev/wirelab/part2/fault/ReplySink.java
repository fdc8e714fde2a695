package dev.wirelab.part2.fault;

import java.io.IOException;

/** Where replies go, each with the moment it is due to leave (System.nanoTime): what faults are applied to. */
public interface ReplySink {

    /**
     * Sends {@code copies} copies of {@code b[off, off+len)} at {@code due}. With
     * {@code holdForNext} the reply waits until the next one has left (the reorder fault).
     * {@code afterWrite} (may be null) runs once it left.
     */
    void send(byte[] b, int off, int len, int copies, long due, boolean holdForNext, Runnable afterWrite) throws IOException;

    default void send(byte[] b, int copies, long due) throws IOException {
        send(b, 0, b.length, copies, due, false, null);
    }

    /** Aborts the connection with a TCP RST at {@code due}, after the replies queued before. */
    void reset(long due) throws IOException;

    /** Sends nothing at all before {@code until} (System.nanoTime): the stall fault. */
    void stall(long until) throws IOException;
}
