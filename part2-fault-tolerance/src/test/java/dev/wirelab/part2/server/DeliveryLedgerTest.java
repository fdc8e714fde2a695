package dev.wirelab.part2.server;

import dev.wirelab.common.Frame;
import dev.wirelab.part2.EchoServer;
import dev.wirelab.part2.TestClient;
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
    void oneClientKeepsAtMostItsShareOfOutOfOrderNumbers() {
        DeliveryLedger ledger = new DeliveryLedger();
        for (long seq = 2; seq < 2 + 2L * DeliveryLedger.MAX_GAPS_PER_CLIENT; seq += 2) {
            ledger.markDelivered("sparse", seq);
        }
        assertTrue(ledger.gapEntries() <= DeliveryLedger.MAX_GAPS_PER_CLIENT, "gap entries " + ledger.gapEntries());
    }

    @Test
    @Timeout(30)
    void manyClientIdsWithSparseNumbersStayWithinTheTotalBudget() {
        List<String> log = new CopyOnWriteArrayList<>();
        DeliveryLedger ledger = new DeliveryLedger(log::add);
        int perClient = DeliveryLedger.MAX_GAPS_PER_CLIENT;
        int clients = DeliveryLedger.MAX_TOTAL_GAPS / perClient + 50;
        for (int c = 0; c < clients; c++) {
            for (long seq = 2; seq < 2 + 2L * perClient; seq += 2) { // every other number: all gaps
                ledger.markDelivered("id-" + c, seq);
            }
            assertTrue(ledger.gapEntries() <= DeliveryLedger.MAX_TOTAL_GAPS, "after client " + c + ": " + ledger.gapEntries());
        }
        assertTrue(ledger.clientCount() < clients, "old clients were forgotten: " + ledger.clientCount());
        assertFalse(ledger.markDelivered("id-" + (clients - 1), 2), "the most recent client is still remembered");
        assertTrue(log.stream().anyMatch(l -> l.contains("forgot client id-0")), log.toString());
    }

    @Test
    void theNumberOfClientsIsBounded() {
        DeliveryLedger ledger = new DeliveryLedger(3, 16, 1_000, line -> { });
        for (int c = 0; c < 10; c++) {
            ledger.markDelivered("10.0.0." + c, "id-" + c, 1); // each from its own address: the total limit counts
        }
        assertEquals(3, ledger.clientCount());
        assertFalse(ledger.markDelivered("10.0.0.9", "id-9", 1));
        assertTrue(ledger.markDelivered("10.0.0.0", "id-0", 1), "forgotten, so new again");
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
