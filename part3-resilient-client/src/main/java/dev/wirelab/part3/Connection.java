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
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * One TCP connection to the server, with a reader and a writer on virtual threads so that the
 * client's event loop never blocks on the socket: the reader decodes replies and posts them as
 * {@link Event}s to the loop's queue; the writer drains a queue of encoded frames. Each event
 * carries the connection's epoch, so anything a broken connection says after the loop moved on to
 * a new one is recognised and dropped.
 */
final class Connection implements AutoCloseable {

    /** Something the connection has to tell the event loop. */
    sealed interface Event {
        int epoch();
    }

    /** A reply that passed every check of the wire format. */
    record Received(int epoch, Frame frame) implements Event { }

    /** The byte stream broke the wire format: the reply (and everything after it) can't be trusted. */
    record Broken(int epoch, FrameFormatException error) implements Event { }

    /** The connection ended: closed by the server, reset, or failed on write. */
    record Closed(int epoch, String why) implements Event { }

    private static final byte[] STOP = new byte[0];

    private final Socket socket;
    private final int epoch;
    private final BlockingQueue<Event> events;
    private final BlockingQueue<byte[]> outgoing = new LinkedBlockingQueue<>();
    private final FrameDecoder decoder;
    private volatile int buffered;
    private volatile boolean closing;

    Connection(Socket socket, int epoch, int maxPayload, BlockingQueue<Event> events) {
        this.socket = socket;
        this.epoch = epoch;
        this.events = events;
        this.decoder = new FrameDecoder(maxPayload);
    }

    void start() {
        Thread.ofVirtual().name("part3-reader-" + epoch).start(this::readLoop);
        Thread.ofVirtual().name("part3-writer-" + epoch).start(this::writeLoop);
    }

    int epoch() {
        return epoch;
    }

    /** Queues a frame's bytes for the writer; never blocks. */
    void send(byte[] encoded) {
        outgoing.add(encoded);
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
                // The sink sees each reply as soon as it completes: good ACKs that arrive in the
                // same read as a corrupt reply still count, and only then does the stream break.
                decoder.feed(buf, 0, n, f -> events.add(new Received(epoch, f)));
                buffered = decoder.buffered();
            }
        } catch (FrameFormatException e) {
            post(new Broken(epoch, e));
        } catch (IOException e) {
            post(new Closed(epoch, describe(e)));
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
            }
        } catch (IOException e) {
            post(new Closed(epoch, describe(e)));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException | Error e) {
            post(new Closed(epoch, "writer failed: " + e));
        }
    }

    private void post(Event e) {
        if (!closing) {
            events.add(e);
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
