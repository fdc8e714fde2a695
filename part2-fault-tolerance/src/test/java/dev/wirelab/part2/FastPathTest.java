package dev.wirelab.part2;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The clean echo's fast path allocates nothing per echo: measured on the event loop's thread
 * with the JVM's per-thread allocation counter (bytes, not time), over many round trips.
 */
@Timeout(60)
class FastPathTest {

    private static final int ROUNDS = 20_000;

    @Test
    void aCleanLineEchoAllocatesNothingOnTheEventLoop() throws Exception {
        java.lang.management.ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        assumeTrue(mx instanceof com.sun.management.ThreadMXBean t && t.isThreadAllocatedMemorySupported(),
                "this JVM does not count allocations per thread");
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) mx;
        byte[] line = "Test1 of the fast path\n".getBytes(StandardCharsets.US_ASCII);
        try (EchoServer server = EchoServer.builder().eventLoops(1).start();
             TestClient c = new TestClient(server.address())) {
            Thread loop = Thread.getAllStackTraces().keySet().stream()
                    .filter(t -> t.getName().equals("echo-loop-" + server.port() + "-0")).findFirst().orElseThrow();
            echo(c, line, ROUNDS); // warm up: the JIT compiles the path, buffers reach their size
            long before = threads.getThreadAllocatedBytes(loop.threadId());
            echo(c, line, ROUNDS);
            long perEcho = (threads.getThreadAllocatedBytes(loop.threadId()) - before) / ROUNDS;
            // A ByteBuffer, a lambda or a copy per echo would be 16 bytes or more each.
            assertTrue(perEcho < 8, perEcho + " bytes allocated per echo on the event loop");
            assertEquals(2L * ROUNDS, server.stats().lines());
        }
    }

    private static void echo(TestClient c, byte[] line, int rounds) throws Exception {
        for (int i = 0; i < rounds; i++) {
            c.send(line);
            c.readExactly(line.length);
        }
    }
}
