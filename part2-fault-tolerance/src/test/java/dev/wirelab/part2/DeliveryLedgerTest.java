package dev.wirelab.part2;

import dev.wirelab.common.Frame;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DeliveryLedgerTest {

    @Test
    void eachSequenceNumberIsNewOnceAlsoOutOfOrder() {
        DeliveryLedger ledger = new DeliveryLedger();
        assertTrue(ledger.markDelivered("alice", 2));
        assertTrue(ledger.markDelivered("alice", 1));
        assertFalse(ledger.markDelivered("alice", 2));
        assertFalse(ledger.markDelivered("alice", 1));
        assertTrue(ledger.markDelivered("alice", 5));
        assertFalse(ledger.markDelivered("alice", 5));
        assertTrue(ledger.markDelivered("bob", 1), "each client has its own numbers");
    }

    @Test
    void aGapThatIsNeverFilledDoesNotGrowMemoryWithoutBoundButNothingIsDeliveredTwice() {
        DeliveryLedger ledger = new DeliveryLedger();
        // seq 1 never arrives; everything after it does
        for (long seq = 2; seq < 2 + DeliveryLedger.MAX_GAPS_PER_CLIENT + 100; seq++) {
            assertTrue(ledger.markDelivered("alice", seq));
        }
        for (long seq = 2; seq < 2 + DeliveryLedger.MAX_GAPS_PER_CLIENT + 100; seq++) {
            assertFalse(ledger.markDelivered("alice", seq), "seq " + seq + " again");
        }
    }

    @Test
    @Timeout(10)
    void aDeliveryHandlerThatThrowsDoesNotStopTheServer() throws Exception {
        List<String> log = new CopyOnWriteArrayList<>();
        try (EchoServer server = EchoServer.builder().log(log::add)
                .onDelivery(d -> {
                    throw new IllegalStateException("handler bug");
                }).start();
             TestClient c = new TestClient(server.address())) {
            byte[] x = "x".getBytes(StandardCharsets.UTF_8);
            c.sendFrame(Frame.data(1, x)).sendFrame(Frame.data(2, x));
            List<Frame> acks = c.readFrames(2);
            assertEquals(Frame.ack(2, x), acks.get(1));
            assertTrue(log.stream().anyMatch(l -> l.contains("delivery handler failed for seq=1")), log.toString());
        }
    }
}
