package dev.wirelab.part2.server;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RefusalLogTest {

    @Test
    void refusalsAreLoggedAtOnceThenAtMostOnceASecondWithACount() {
        List<String> lines = new ArrayList<>();
        long[] now = {0};
        RefusalLog r = new RefusalLog(lines::add, () -> now[0]);
        for (int i = 0; i < 100; i++) {
            r.refused("127.0.0.1:" + (1000 + i), 5, 5);
            now[0] += 5_000_000; // 5 ms apart: 100 in half a second
        }
        assertEquals(1, lines.size(), lines.toString());
        assertTrue(lines.get(0).startsWith("refused 127.0.0.1:1000: 5 connections open, the limit is 5"), lines.get(0));
        now[0] += 1_000_000_000L;
        r.refused("127.0.0.1:2000", 5, 5);
        assertEquals(2, lines.size(), lines.toString());
        assertTrue(lines.get(1).startsWith("refused 100 connections (the last from 127.0.0.1:2000)"), lines.get(1));
    }
}
