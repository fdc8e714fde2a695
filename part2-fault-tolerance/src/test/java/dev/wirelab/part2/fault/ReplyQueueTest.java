package dev.wirelab.part2.fault;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The reply queue the echo server and the proxy share, on a clock the test moves. */
class ReplyQueueTest {

    private static final long MS = 1_000_000L;

    private static byte[] b(String s) {
        return s.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    }

    private static void send(ReplyQueue q, String s, long due, boolean hold, long now) {
        byte[] x = b(s);
        q.send(x, 0, x.length, 1, due, hold, null, now);
    }

    /** What leaves at {@code now}, as text; a reset as "RST". */
    private static List<String> leave(ReplyQueue q, long now) {
        List<String> out = new ArrayList<>();
        for (ReplyQueue.Item i; (i = q.poll(now)) != null; ) {
            out.add(switch (i) {
                case ReplyQueue.Send s -> new String(s.bytes(), java.nio.charset.StandardCharsets.US_ASCII);
                case ReplyQueue.Reset r -> "RST";
            });
        }
        return out;
    }

    @Test
    void queuedOneByteRepliesAreCountedWithTheirOverheadNotJustTheirPayload() {
        ReplyQueue.Budget shared = new ReplyQueue.Budget(1 << 20);
        ReplyQueue q = new ReplyQueue(1 << 20, shared);
        for (int i = 0; i < 1_000; i++) {
            send(q, "x", 3_600_000 * MS, false, 0); // due in an hour: stays queued
        }
        assertEquals(1_000 * (1 + ReplyQueue.ITEM_OVERHEAD_BYTES), q.bytes());
        assertEquals(q.bytes(), shared.used());
        q.clear();
        assertEquals(0, shared.used(), "a closed connection gives its share back");
    }

    @Test
    void repliesLeaveAtTheirDueTimesAndKeepTheirOrder() {
        ReplyQueue q = new ReplyQueue(1 << 20, null);
        send(q, "a", 10 * MS, false, 0);
        send(q, "b", 5 * MS, false, 0); // jitter made it due sooner: it still waits for "a"
        send(q, "c", 20 * MS, false, 0);
        assertEquals(List.of(), leave(q, 9 * MS));
        assertEquals(10 * MS, q.nextWake(9 * MS));
        assertEquals(List.of("a", "b"), leave(q, 10 * MS));
        assertEquals(20 * MS, q.lastDue(10 * MS));
        assertEquals(List.of("c"), leave(q, 20 * MS));
        assertTrue(q.isEmpty());
        assertEquals(0, q.bytes());
    }

    @Test
    void aHeldReplyGoesOutAfterTheNextOneOrAfterAtMostOneSecondOrAtTheEndOfInput() {
        ReplyQueue q = new ReplyQueue(1 << 20, null);
        send(q, "a", 0, true, 0);
        assertFalse(q.direct());
        assertEquals(List.of(), leave(q, 0));
        send(q, "b", 0, false, 0);
        assertEquals(List.of("b", "a"), leave(q, 0));

        send(q, "c", 0, true, 0);
        assertEquals(List.of(), leave(q, ReplyQueue.MAX_HOLD_NANOS - 1));
        assertEquals(ReplyQueue.MAX_HOLD_NANOS, q.nextWake(0));
        assertEquals(List.of("c"), leave(q, ReplyQueue.MAX_HOLD_NANOS), "no next reply came");

        send(q, "d", 0, true, 0);
        q.endOfInput();
        assertEquals(List.of("d"), leave(q, 0), "nothing comes after the end of the input");
    }

    @Test
    void aStallHoldsEverythingEvenRepliesAlreadyDue() {
        ReplyQueue q = new ReplyQueue(1 << 20, null);
        send(q, "a", 0, false, 0);
        q.stall(50 * MS);
        send(q, "b", 10 * MS, false, 0);
        assertEquals(List.of(), leave(q, 49 * MS));
        assertEquals(50 * MS, q.nextWake(0));
        assertEquals(List.of("a", "b"), leave(q, 50 * MS));
        assertTrue(q.direct());
    }

    @Test
    void aResetLeavesAfterTheRepliesQueuedBeforeIt() {
        ReplyQueue q = new ReplyQueue(1 << 20, null);
        send(q, "a", 10 * MS, false, 0);
        q.reset(0);
        assertInstanceOf(ReplyQueue.Send.class, q.poll(10 * MS));
        assertInstanceOf(ReplyQueue.Reset.class, q.poll(10 * MS));
        assertNull(q.poll(10 * MS));
    }

    @Test
    void theQueueIsFullAtItsOwnLimitOrWhenTheSharedBudgetIsUsedUp() {
        ReplyQueue.Budget shared = new ReplyQueue.Budget(1000);
        ReplyQueue a = new ReplyQueue(500, shared);
        ReplyQueue other = new ReplyQueue(10_000, shared);
        send(a, "x".repeat(500), MS, false, 0);
        assertTrue(a.full(), "its own limit");
        assertFalse(other.full());
        send(other, "y".repeat(500), MS, false, 0);
        assertTrue(other.full(), "the two together used up the shared budget");
        leave(a, MS);
        assertFalse(a.full());
        assertFalse(other.full(), "room again once replies left");
    }
}
