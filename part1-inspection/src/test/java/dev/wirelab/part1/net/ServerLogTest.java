package dev.wirelab.part1.net;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class ServerLogTest {

    private static InetSocketAddress peer(int port) {
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
    }

    @Test
    void aFloodOfRefusedClientsIsOneLineASecondWithTheCount() {
        List<String> lines = new ArrayList<>();
        AtomicLong now = new AtomicLong(); // a clock the test moves, instead of waiting a second
        ServerLog log = new ServerLog(lines::add, now::get);
        for (int i = 0; i < 5_000; i++) {
            now.addAndGet(100_000); // 5,000 refusals in half a second
            log.refused(peer(40_000 + i % 20_000), 1024, 1024);
        }
        assertEquals(List.of("Client ('127.0.0.1', 40000) refused: 1024 clients connected, the limit (--max-clients 1024)"),
                lines);
        now.addAndGet(ServerLog.REFUSAL_INTERVAL_NANOS);
        log.refused(peer(45_000), 1024, 1024);
        assertEquals("5000 clients refused (the last ('127.0.0.1', 45000)): 1024 clients connected, the limit"
                + " (--max-clients 1024)", lines.get(1));
        log.refused(peer(45_001), 1023, 1024);
        log.finish();
        assertEquals(List.of(
                "Client ('127.0.0.1', 40000) refused: 1024 clients connected, the limit (--max-clients 1024)",
                "5000 clients refused (the last ('127.0.0.1', 45000)): 1024 clients connected, the limit (--max-clients 1024)",
                "Client ('127.0.0.1', 45001) refused: 1023 clients connected, the limit (--max-clients 1024)"), lines);
        log.finish();
        assertEquals(3, lines.size(), "nothing left to report");
    }

    @Test
    void whatAPeerChoseIsEscapedInEveryLine() {
        List<String> lines = new ArrayList<>();
        ServerLog log = new ServerLog(lines::add);
        log.received(peer(1), "a\nFAKE: forged line\u001b[2J\r\u009b\u202e".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        log.failed(peer(1), "TLS error: peer said \"x\nGot connection from ('6.6.6.6', 1)\u001b[2J\"");
        assertEquals(List.of(
                "a\\nFAKE: forged line\\x1b[2J\\r\\u{009b}\\u{202e}",
                "Client ('127.0.0.1', 1) dropped: TLS error: peer said \"x\\nGot connection from ('6.6.6.6', 1)\\x1b[2J\""),
                lines);
    }
}
