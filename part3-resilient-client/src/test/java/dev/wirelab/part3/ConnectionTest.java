package dev.wirelab.part3;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wirelab.common.Frame;
import dev.wirelab.common.FrameCodec;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** One connection's reader and writer against a real loopback peer: both directions stay bounded. */
@Timeout(20)
class ConnectionTest {

    @Test
    void aReaderThatOutpacesTheLoopWaitsForRoomInsteadOfFailingOrGrowing() throws Exception {
        int replies = 100;
        ByteArrayOutputStream flood = new ByteArrayOutputStream();
        for (int i = 1; i <= replies; i++) {
            flood.write(FrameCodec.encode(Frame.ack(i, new byte[0])));
        }
        BlockingQueue<Connection.Event> events = new ArrayBlockingQueue<>(4);
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
             Socket client = new Socket(InetAddress.getLoopbackAddress(), server.getLocalPort());
             Socket peer = server.accept()) {
            peer.getOutputStream().write(flood.toByteArray());
            peer.shutdownOutput();
            try (Connection c = new Connection(client, 1, 1024, events)) {
                c.start();
                // The loop is "busy": the queue fills to its capacity and stays there.
                for (int i = 1; i <= replies; i++) {
                    Connection.Event e = events.poll(10, TimeUnit.SECONDS);
                    assertTrue(events.size() <= 4);
                    Connection.Received r = assertInstanceOf(Connection.Received.class, e, "reply " + i);
                    assertEquals(i, r.frame().seq(), "every reply, in order");
                }
                assertInstanceOf(Connection.Closed.class, events.poll(10, TimeUnit.SECONDS));
            }
        }
    }

    @Test
    void framesWaitingForAServerThatDoesNotReadAreCappedAndWritableFollowsOnceItReads() throws Exception {
        BlockingQueue<Connection.Event> events = new ArrayBlockingQueue<>(16);
        byte[] frame = FrameCodec.encode(Frame.data(1, new byte[64 * 1024]));
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
             Socket client = new Socket(InetAddress.getLoopbackAddress(), server.getLocalPort());
             Socket peer = server.accept();
             Connection c = new Connection(client, 1, 1024, events)) {
            c.start();
            int accepted = 0;
            // The kernel's buffers take a few MiB; after them at most MAX_UNSENT_BYTES wait.
            while (accepted < 10_000 && c.trySend(frame)) {
                accepted++;
                assertTrue(c.unsentBytes() <= Connection.MAX_UNSENT_BYTES + frame.length, "unsent " + c.unsentBytes());
            }
            assertTrue(accepted < 10_000, "a peer that reads nothing must make trySend refuse");
            assertFalse(c.trySend(frame), "still refused while nothing drains");
            Thread.ofVirtual().start(() -> drain(peer));
            Connection.Event e;
            do {
                e = events.poll(10, TimeUnit.SECONDS);
            } while (e != null && !(e instanceof Connection.Writable));
            assertInstanceOf(Connection.Writable.class, e);
            assertTrue(c.trySend(frame), "room again once the writer caught up");
        }
    }

    private static void drain(Socket s) {
        try (InputStream in = s.getInputStream()) {
            byte[] buf = new byte[64 * 1024];
            while (in.read(buf) >= 0) {
                // discard
            }
        } catch (IOException ignored) {
            // the test closed the socket
        }
    }

}
