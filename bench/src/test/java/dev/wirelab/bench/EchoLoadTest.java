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
        int connections = 5;
        try (EchoServer server = EchoServer.builder().port(0).start();
             EchoLoad load = new EchoLoad(server.address(), connections, 2, line(32))) {
            long[] served = new long[2];
            Load.Window w = load.measure(Duration.ofMillis(50), Duration.ofMillis(500),
                    () -> served[0] = server.stats().messages(), () -> served[1] = server.stats().messages());

            assertTrue(w.count() > 0, "no round trip completed in 500 ms");
            assertEquals(w.count(), w.latency().getTotalCount(), "one latency sample per counted round trip");
            assertTrue(w.latency().getMinValue() > 0);
            assertTrue(w.elapsedNanos() >= Duration.ofMillis(500).toNanos());
            assertTrue(w.loadCpuNanos() > 0, "the load threads' CPU time was not read");
            // The server's edges lie just outside the load's: it cannot have served fewer messages
            // than the load completed round trips (but one in flight per connection), and a
            // thread paused between the edges on a busy machine only lets it serve more.
            long atServer = served[1] - served[0];
            assertTrue(w.count() <= atServer + connections && w.count() >= atServer / 4,
                    "load counted " + w.count() + " round trips, the server " + atServer + " messages");
        }
    }

    @Test
    @Timeout(30)
    void failsWhenTheServerEchoesMoreThanWasSent() throws Exception {
        // A duplicated reply is the one fault that makes an echo longer than its message.
        try (EchoServer server = EchoServer.builder().port(0).faults(FaultConfig.none().withDuplicate(1.0)).seed(1).start()) {
            IOException e = assertThrows(IOException.class, () -> loadBriefly(server));
            assertTrue(e.getMessage().contains("bytes for a 16-byte message"), e.getMessage());
        }
    }

    @Test
    @Timeout(30)
    void messagesLargerThanTheSocketTakesAtOnceStillMakeWholeRoundTrips() throws Exception {
        try (EchoServer server = EchoServer.builder().port(0).start();
             EchoLoad load = new EchoLoad(server.address(), 2, 1, line(65536))) {
            Load.Window w = load.measure(Duration.ZERO, Duration.ofMillis(300), () -> { }, () -> { });
            assertTrue(w.count() > 0, "no 64 KiB round trip completed in 300 ms");
        }
    }

    @Test
    @Timeout(30)
    void failsWhenTheEchoIsNotWhatWasSent() throws Exception {
        try (EchoServer server = EchoServer.builder().port(0).faults(FaultConfig.none().withCorrupt(1.0)).seed(1).start()) {
            IOException e = assertThrows(IOException.class, () -> loadBriefly(server));
            assertTrue(e.getMessage().startsWith("echo differs from the message at byte "), e.getMessage());
        }
    }

    /** One connection of 16-byte lines; the failure may surface while starting or while measuring. */
    private static void loadBriefly(EchoServer server) throws Exception {
        try (EchoLoad load = new EchoLoad(server.address(), 1, 1, line(16))) {
            load.measure(Duration.ofMillis(200), Duration.ofMillis(100), () -> { }, () -> { });
        }
    }

    @Test
    void medianOfAnEvenCountIsTheMeanOfTheMiddleTwo() {
        assertEquals(2.5, Stats.median(new double[]{4, 1, 3, 2}));
        assertEquals(3.0, Stats.median(new double[]{5, 3, 1}));
    }
}
