package dev.wirelab.part3;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The demo's logic, called as the command calls it. */
@Timeout(60)
class DemoTest {

    @Test
    void withTheDefaultSeedThePlainClientIsFooledAndTheResilientClientDeliversEachMessageOnce() throws IOException {
        StringWriter out = new StringWriter();
        Demo.Result r = new Demo(Demo.DEFAULT_SEED, Demo.DEFAULT_COUNT).run(new PrintWriter(out, true));
        assertEquals(4, r.plainFooled(), out.toString());
        assertEquals(4, r.plainIntact(), out.toString());
        assertTrue(r.asExpected(), out.toString());
        assertEquals(8, r.resilient().deliveredAtServer());
        assertTrue(r.resilient().summary().retransmissionsTotal() > 0, "the faults were felt");
    }

    @Test
    void aCountOutsideTheRangeIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> new Demo(1, 0));
        assertThrows(IllegalArgumentException.class, () -> new Demo(1, Demo.MAX_COUNT + 1));
    }
}
