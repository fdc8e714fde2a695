package dev.wirelab.bench;

import dev.wirelab.part2.EchoServer;
import dev.wirelab.part2.FaultConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.time.Duration;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EchoLoadTest {

    private static byte[] line(int size) {
        byte[] m = new byte[size];
        Arrays.fill(m, (byte) 'x');
        m[size - 1] = '\n';
        return m;
    }

    @Test
    @Timeout(30)
    void countsEveryRoundTripItRecordsAgainstARealEchoServer() throws Exception {
        try (EchoServer server = EchoServer.builder().port(0).start();
             EchoLoad load = new EchoLoad(server.address(), 5, 2, line(32))) {
            int[] edges = new int[2];
            EchoLoad.Window w = load.measure(Duration.ofMillis(50), Duration.ofMillis(300), () -> edges[0]++, () -> edges[1]++);

            assertTrue(w.count() > 0, "no round trip completed in 300 ms");
            assertEquals(w.count(), w.latency().getTotalCount(), "one latency sample per counted round trip");
            assertTrue(w.latency().getMinValue() > 0);
            assertTrue(w.elapsedNanos() >= Duration.ofMillis(300).toNanos());
            assertTrue(w.loadCpuNanos() > 0, "the load threads' CPU time was not read");
            assertEquals(1, edges[0]);
            assertEquals(1, edges[1]);
        }
    }

    @Test
    @Timeout(30)
    void failsWhenTheServerEchoesMoreThanWasSent() throws Exception {
        // A duplicated reply is the one fault that makes an echo longer than its message.
        try (EchoServer server = EchoServer.builder().port(0).faults(FaultConfig.none().withDuplicate(1.0)).seed(1).start();
             EchoLoad load = new EchoLoad(server.address(), 1, 1, line(16))) {
            IOException e = assertThrows(IOException.class,
                    () -> load.measure(Duration.ofMillis(200), Duration.ofMillis(100), () -> { }, () -> { }));
            assertTrue(e.getMessage().contains("bytes for a 16-byte message"), e.getMessage());
        }
    }

    @Test
    void medianOfAnEvenCountIsTheMeanOfTheMiddleTwo() {
        assertEquals(2.5, EchoBench.median(new double[]{4, 1, 3, 2}));
        assertEquals(3.0, EchoBench.median(new double[]{5, 3, 1}));
    }
}
