package dev.wirelab.part2.server;

import dev.wirelab.part2.fault.ReplyQueue;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.StandardSocketOptions;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The output side over a real loopback socket: what it charges to the budget shared by all
 * connections (only the bytes the socket has not taken), and that its writes through the loop's
 * direct buffer deliver every byte in order, also past the buffer's 64 KiB chunk.
 */
@Timeout(20)
class OutboundTest {

    private static final Outbound.Host HOST = new Outbound.Host() {
        @Override
        public void close(String why, boolean rst) {
            throw new AssertionError("closed: " + why);
        }

        @Override
        public void interest() {
        }
    };

    @Test
    void aReplyTheSocketTakesAtOnceLeavesNothingChargedToTheSharedBudget() throws Exception {
        try (Pair p = new Pair()) {
            ReplyQueue.Budget budget = new ReplyQueue.Budget(1 << 20);
            Outbound out = new Outbound(p.channel, p.loop, HOST, 1 << 20, 1 << 20, budget, 0);
            byte[] line = "hello\n".getBytes();
            out.append(line, 0, line.length, null);
            out.release();
            assertEquals(0, budget.used());
            assertArrayEquals(line, p.peer.getInputStream().readNBytes(line.length));
        }
    }

    @Test
    void whatAPeerThatDoesNotReadLeavesUnsentIsChargedAndGivenBackOnClose() throws Exception {
        try (Pair p = new Pair()) {
            ReplyQueue.Budget budget = new ReplyQueue.Budget(64L << 20);
            Outbound out = new Outbound(p.channel, p.loop, HOST, 64 << 20, 64 << 20, budget, 0);
            byte[] chunk = new byte[256 * 1024];
            // More than the two socket buffers together can hold, so some is left unsent.
            long appended = 0;
            for (int i = 0; i < 64 && !out.unsent(); i++) {
                out.append(chunk, 0, chunk.length, null);
                appended += chunk.length;
                out.release();
            }
            assertTrue(out.unsent(), "the socket took everything: the peer's buffers are larger than assumed");
            long charged = budget.used();
            assertTrue(charged > 0 && charged < appended, "charged " + charged + " of " + appended + " appended");
            assertFalse(out.empty());
            out.closed();
            assertEquals(0, budget.used(), "a closed connection gives its share back");
        }
    }

    @Test
    void writesLargerThanTheLoopsChunkArriveWholeAndInOrder() throws Exception {
        try (Pair p = new Pair()) {
            Outbound out = new Outbound(p.channel, p.loop, HOST, 1 << 20, 4 << 20, null, 0);
            byte[] data = new byte[300 * 1024 + 7];
            for (int i = 0; i < data.length; i++) {
                data[i] = (byte) (i * 31 + (i >> 9));
            }
            out.append(data, 0, data.length, null);
            out.release();
            byte[] got = new byte[data.length];
            InputStream in = p.peer.getInputStream();
            int n = 0;
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (n < data.length && System.nanoTime() < deadline) {
                int r = in.read(got, n, Math.min(8192, data.length - n));
                if (r < 0) {
                    break;
                }
                n += r;
                out.flush(); // what the socket did not take at first, as OP_WRITE would
            }
            assertEquals(data.length, n);
            assertTrue(Arrays.equals(data, got), "bytes changed or reordered on the way");
        }
    }

    /** A non-blocking channel (the server side, as the loop holds it) and a blocking peer. */
    private static final class Pair implements AutoCloseable {
        final EventLoop loop = new EventLoop("outbound-test", Duration.ZERO, line -> { });
        final SocketChannel channel;
        final Socket peer;

        Pair() throws IOException {
            try (ServerSocketChannel listener = ServerSocketChannel.open()) {
                listener.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
                peer = new Socket();
                peer.setReceiveBufferSize(64 * 1024);
                peer.connect(listener.getLocalAddress());
                channel = listener.accept();
            }
            channel.configureBlocking(false);
            channel.setOption(StandardSocketOptions.SO_SNDBUF, 64 * 1024);
        }

        @Override
        public void close() throws IOException {
            channel.close();
            peer.close();
            loop.selector().close();
        }
    }
}
