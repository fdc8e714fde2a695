package dev.wirelab.part3;

import dev.wirelab.common.Frame;
import dev.wirelab.common.FrameDecoder;
import dev.wirelab.common.FrameFormatException;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketException;
import java.util.Arrays;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One TCP connection to the server, with a reader and a writer on virtual threads so that the
 * client's event loop never blocks on the socket: the reader decodes replies and posts them as
 * {@link Event}s to the loop's queue; the writer drains a queue of encoded frames. Each event
 * carries the connection's epoch, so anything a broken connection says after the loop moved on to
 * a new one is recognised and dropped.
 *
 * <p>Both directions are bounded. The loop's event queue has a fixed capacity, and the reader
 * waits for room before it reads on: a server that floods replies faster than the loop handles them
 * (say, stale ACKs while the trace goes to a terminal that is paused) is held back by TCP's flow
 * control instead of filling the heap. Frames waiting for the writer are capped at
 * {@link #MAX_UNSENT_BYTES}: {@link #trySend} refuses more, and the writer posts {@link Writable}
 * once it has caught up.
 */
final class Connection implements AutoCloseable {

    /** Something the connection has to tell the event loop. */
    sealed interface Event {
        int epoch();
    }

    /** A reply that passed every check of the wire format. */
    record Received(int epoch, Frame frame) implements Event { }

    /**
     * The byte stream broke the wire format: the reply (and everything after it) can't be trusted.
     * {@code firstBytes} are the first bytes the connection ever received (up to
     * {@link #FIRST_BYTES}), {@code framesBefore} how many valid frames came before the bad one.
     */
    record Broken(int epoch, FrameFormatException error, byte[] firstBytes, long framesBefore) implements Event { }

    /** The connection ended: closed by the server, reset, or failed on write. */
    record Closed(int epoch, String why) implements Event { }

    /** The writer caught up after {@link #trySend} refused a frame: the loop may send again. */
    record Writable(int epoch) implements Event { }

    /** Most bytes of encoded frames that wait for the writer; a single frame larger than this is still taken when nothing waits. */
    static final int MAX_UNSENT_BYTES = 1 << 20;

    /** How many of the first received bytes a {@link Broken} event carries, to tell a foreign protocol from a damaged frame. */
    static final int FIRST_BYTES = 16;

    private static final byte[] STOP = new byte[0];

    /** Thrown from the decoder's sink when the reader is interrupted while it waits for room. */
    private static final class Stopped extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Stopped() {
            super(null, null, false, false);
        }
    }

    private final Socket socket;
    private final int epoch;
    private final BlockingQueue<Event> events;
    private final BlockingQueue<byte[]> outgoing = new LinkedBlockingQueue<>();
    private final AtomicLong unsent = new AtomicLong();
    private final FrameDecoder decoder;
    private volatile boolean refused;
    private volatile int buffered;
    private volatile boolean closing;
    private volatile Thread reader;
    private volatile Thread writer;
    private byte[] firstBytes = new byte[0];
    private long frames;

    /** {@code events} is the loop's queue, shared with the connections before and after this one; it should be bounded. */
    Connection(Socket socket, int epoch, int maxPayload, BlockingQueue<Event> events) {
        this.socket = socket;
        this.epoch = epoch;
        this.events = events;
        this.decoder = new FrameDecoder(maxPayload);
    }

    void start() {
        reader = Thread.ofVirtual().name("part3-reader-" + epoch).start(this::readLoop);
        writer = Thread.ofVirtual().name("part3-writer-" + epoch).start(this::writeLoop);
    }

    int epoch() {
        return epoch;
    }

    /**
     * Queues a frame's bytes for the writer unless {@link #MAX_UNSENT_BYTES} already wait; never
     * blocks. After a refusal the connection posts {@link Writable} once the writer has caught up.
     */
    boolean trySend(byte[] encoded) {
        long waiting = unsent.get();
        if (waiting > 0 && waiting + encoded.length > MAX_UNSENT_BYTES) {
            refused = true;
            // The writer may have caught up between the check and the flag: look again.
            if (unsent.get() > 0) {
                return false;
            }
            refused = false;
        }
        unsent.addAndGet(encoded.length);
        outgoing.add(encoded);
        return true;
    }

    /** Bytes queued for the writer and not yet handed to the socket. */
    long unsentBytes() {
        return unsent.get();
    }

    /** Bytes of a reply that began but has not completed: a corrupted length field leaves the reader waiting here. */
    int bufferedBytes() {
        return buffered;
    }

    @Override
    public void close() {
        closing = true;
        outgoing.add(STOP);
        try {
            socket.close();
        } catch (IOException ignored) {
            // Closing is best effort: the loop has already given this connection up.
        }
        // A reader or writer waiting for room in the loop's queue would otherwise wait forever.
        interrupt(reader);
        interrupt(writer);
    }

    private static void interrupt(Thread t) {
        if (t != null) {
            t.interrupt();
        }
    }

    private void readLoop() {
        byte[] buf = new byte[16 * 1024];
        // Not try-with-resources: closing the stream closes the socket, and the writer could then
        // report "Socket closed" before this thread reports why the stream really broke.
        // The event loop closes the socket when it drops the connection.
        try {
            InputStream in = socket.getInputStream();
            while (true) {
                int n = in.read(buf);
                if (n < 0) {
                    decoder.finish();
                    post(new Closed(epoch, "connection closed by the server"));
                    return;
                }
                if (firstBytes.length < FIRST_BYTES) {
                    int keep = Math.min(FIRST_BYTES - firstBytes.length, n);
                    byte[] more = Arrays.copyOf(firstBytes, firstBytes.length + keep);
                    System.arraycopy(buf, 0, more, firstBytes.length, keep);
                    firstBytes = more;
                }
                // The sink sees each reply as soon as it completes: good ACKs that arrive in the
                // same read as a corrupt reply still count, and only then does the stream break.
                decoder.feed(buf, 0, n, f -> {
                    frames++;
                    put(new Received(epoch, f));
                });
                buffered = decoder.buffered();
            }
        } catch (FrameFormatException e) {
            post(new Broken(epoch, e, firstBytes, frames));
        } catch (IOException e) {
            post(new Closed(epoch, describe(e)));
        } catch (Stopped e) {
            // closed while waiting for room: nobody reads this connection's events any more
        } catch (RuntimeException | Error e) {
            // Without this the loop would wait for replies nobody reads any more.
            post(new Closed(epoch, "reader failed: " + e));
        }
    }

    private void writeLoop() {
        try {
            OutputStream out = new BufferedOutputStream(socket.getOutputStream(), 16 * 1024);
            while (true) {
                byte[] b = outgoing.take();
                if (b == STOP) {
                    return;
                }
                out.write(b);
                // Batch what is already queued into one segment; flush once the queue is empty.
                if (outgoing.isEmpty()) {
                    out.flush();
                }
                // Counted down only once written (or flushed into the socket's buffer), so the cap
                // holds for bytes the server has not taken yet.
                long left = unsent.addAndGet(-b.length);
                if (refused && left <= MAX_UNSENT_BYTES / 2) {
                    refused = false;
                    post(new Writable(epoch));
                }
            }
        } catch (IOException e) {
            post(new Closed(epoch, describe(e)));
        } catch (InterruptedException e) {
            // closed: the loop has moved on
        } catch (RuntimeException | Error e) {
            post(new Closed(epoch, "writer failed: " + e));
        }
    }

    /** Waits for room in the loop's queue; gives up when the connection is closed. */
    private void put(Event e) {
        try {
            events.put(e);
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new Stopped();
        }
    }

    /** Posts the connection's last word; nothing when the loop has already closed it. */
    private void post(Event e) {
        if (closing) {
            return;
        }
        try {
            events.put(e);
        } catch (InterruptedException ex) {
            // closed while waiting for room: nobody would read it
            Thread.currentThread().interrupt();
        }
    }

    private static String describe(IOException e) {
        String msg = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        String lower = msg.toLowerCase(java.util.Locale.ROOT);
        // After an RST the reader sees "Connection reset" and the writer "Broken pipe": one event.
        if (e instanceof SocketException && (lower.contains("reset") || lower.contains("broken pipe"))) {
            return "connection reset by the server (" + msg + ")";
        }
        return msg;
    }
}
