package dev.wirelab.grader.part3;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wirelab.common.Frame;
import dev.wirelab.common.FrameCodec;
import dev.wirelab.grader.Ladder;
import dev.wirelab.part2.EchoServer;
import dev.wirelab.part2.FaultScript;
import java.io.DataInputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The corrupt-undelivered scenario rests on this: a scripted corrupt on a request that the
 * script also answers with ERROR flips a byte of that ERROR (part 2 used to send it intact while
 * reporting the corruption), and the server's log tells the grader so.
 */
@Timeout(20)
class CorruptedErrorTest {

    @SuppressWarnings("try") // the server is closed inside its try on purpose, so that its log is complete
    @Test
    void anErrorThatTheScriptAlsoCorruptsArrivesWithItsTypeByteFlipped() throws Exception {
        FaultScript script = FaultScript.parse("t", "seq 1: error\nseq 1: corrupt byte 3");
        ServerLog log = new ServerLog(new Ladder(System.nanoTime()), script);
        byte[] reply;
        try (EchoServer server = EchoServer.builder().script(script).observer(log).eventLoops(1).start()) {
            try (Socket s = new Socket(server.address().getAddress(), server.port())) {
                s.setSoTimeout(5000);
                s.getOutputStream().write(FrameCodec.encode(Frame.data(1, "hi".getBytes(StandardCharsets.US_ASCII))));
                byte[] error = FrameCodec.encode(Frame.error(1, "Packet Loss"));
                reply = new byte[error.length];
                new DataInputStream(s.getInputStream()).readFully(reply);
                assertEquals((byte) ~error[3], reply[3], "the type byte is flipped");
                reply[3] = error[3];
                assertEquals(List.of(), diff(error, reply), "nothing else changed");
            }
            log.awaitAllClosed(Duration.ofSeconds(2));
            server.close();
        }
        List<ServerLog.Reply> replies = log.all(ServerLog.Reply.class);
        assertEquals(1, replies.size());
        assertEquals("ERROR", replies.get(0).type());
        assertTrue(replies.get(0).corrupted());
        assertTrue(log.all(ServerLog.Delivered.class).isEmpty());
    }

    private static List<Integer> diff(byte[] a, byte[] b) {
        return java.util.stream.IntStream.range(0, a.length).filter(i -> a[i] != b[i]).boxed().toList();
    }
}
