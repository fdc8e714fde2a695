package dev.wirelab.part2.cli;

import dev.wirelab.common.Bytes;
import dev.wirelab.common.HexDump;
import dev.wirelab.part2.EchoServer;
import dev.wirelab.part2.FaultConfig;
import dev.wirelab.part2.PlainLineClient;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Section 3.2.2 of the report in one run: the echo server with one fault at a time, {@code Test1}
 * sent by the report's plain client ({@link PlainLineClient}), and what came back. A–C are the
 * report's delay, packet loss and corruption; D and E are two more ways real networks and servers
 * fail (a duplicated reply, a reset connection).
 */
@SuppressWarnings("try") // each scene closes its server early, so the server's log is complete before it is shown
public final class Demo {

    /** Seed under which the first corrupted reply has byte 2 flipped: {@code Te?t1}, as in the report. */
    public static final long REPORT_SEED = 10;

    private final PrintWriter out;
    private final Duration delay;
    private final long seed;
    private final boolean ansi;

    public Demo(PrintWriter out, Duration delay, long seed, boolean ansi) {
        this.out = out;
        this.delay = delay;
        this.seed = seed;
        this.ansi = ansi;
    }

    /** Runs every step; true when each fault showed itself as described. */
    public boolean run() throws IOException {
        out.println("Part 2 demo: the report's echo server (section 3.2.2) with one fault at a time.");
        out.println("A plain client sends \"Test1\" and takes whatever line comes back as the answer.");
        boolean ok = delay();
        ok &= loss();
        ok &= corruption();
        ok &= duplicate();
        ok &= reset();
        out.println();
        out.println(ok ? "Each fault fooled or stalled the plain client; part 3's resilient client detects and repairs them."
                : "Some step did not behave as described (see above).");
        out.println(ok ? "Verdict: delay, loss, corruption, duplication and reset each broke the plain client's exchange"
                : "Verdict: some fault did not show as described");
        out.flush();
        return ok;
    }

    private boolean delay() throws IOException {
        heading("A. Network delay", "--delay " + FaultConfig.seconds(delay));
        List<String> log = new CopyOnWriteArrayList<>();
        try (EchoServer server = start(FaultConfig.none().withDelay(delay), log);
             PlainLineClient c = PlainLineClient.connect(server.address(), delay.plusSeconds(5))) {
            PlainLineClient.Reply r = c.send("Test1");
            server.close();
            serverLog(log);
            exchange(r);
            double took = r.elapsed().toNanos() / 1e9;
            out.printf(Locale.ROOT, "   measured: the reply came %.4f s after the request (configured %s s)%n",
                    took, FaultConfig.seconds(delay));
            out.println("   The echo is intact, only late: a client with a shorter timeout would call it lost.");
            return r.intact() && r.elapsed().compareTo(delay) >= 0;
        }
    }

    private boolean loss() throws IOException {
        heading("B. Packet loss", "--loss 1.0 --loss-mode replace");
        List<String> log = new CopyOnWriteArrayList<>();
        try (EchoServer server = start(FaultConfig.none().withLoss(1.0), log);
             PlainLineClient c = PlainLineClient.connect(server.address(), Duration.ofSeconds(5))) {
            PlainLineClient.Reply r = c.send("Test1");
            server.close();
            serverLog(log);
            exchange(r);
            out.println("   the reply's bytes:");
            indent(HexDump.format(r.received()));
            out.println("   The server's message replaced the echo; with --loss-mode drop nothing comes back at all.");
            return r.outcome() == PlainLineClient.Outcome.REPLY
                    && new String(r.received(), StandardCharsets.US_ASCII).equals("Packet Loss\n");
        }
    }

    private boolean corruption() throws IOException {
        heading("C. Packet corruption", "--corrupt 1.0 --seed " + seed);
        List<String> log = new CopyOnWriteArrayList<>();
        try (EchoServer server = start(FaultConfig.none().withCorrupt(1.0), log);
             PlainLineClient c = PlainLineClient.connect(server.address(), Duration.ofSeconds(5))) {
            PlainLineClient.Reply r = c.send("Test1");
            server.close();
            serverLog(log);
            exchange(r);
            byte[] sent = r.sent();
            byte[] got = r.received();
            int flipped = -1;
            for (int i = 0; i < Math.min(sent.length, got.length); i++) {
                if (sent[i] != got[i]) {
                    flipped = i;
                    break;
                }
            }
            out.println("   sent:");
            indent(HexDump.format(sent));
            out.println("   received" + (flipped >= 0 ? ", the flipped byte marked:" : ":"));
            HexDump.Highlight style = ansi ? HexDump.Highlight.ANSI : HexDump.Highlight.CARETS;
            indent(flipped >= 0 ? HexDump.format(got, flipped, flipped + 1, style) : HexDump.format(got));
            if (flipped >= 0) {
                out.printf(Locale.ROOT, "   byte %d: 0x%02x '%c' became 0x%02x, which a terminal shows as '?': \"%s\"%n",
                        flipped, sent[flipped] & 0xFF, (char) sent[flipped], got[flipped] & 0xFF, questionMarks(got));
            }
            out.println("   Nothing in the reply says it is wrong: the plain client has no checksum to notice.");
            return r.outcome() == PlainLineClient.Outcome.REPLY && flipped >= 0 && got[got.length - 1] == '\n';
        }
    }

    private boolean duplicate() throws IOException {
        heading("D. Duplicated reply", "--duplicate 1.0");
        List<String> log = new CopyOnWriteArrayList<>();
        try (EchoServer server = start(FaultConfig.none().withDuplicate(1.0), log);
             PlainLineClient c = PlainLineClient.connect(server.address(), Duration.ofSeconds(5))) {
            PlainLineClient.Reply first = c.send("Test1");
            PlainLineClient.Reply second = c.send("Test2");
            server.close();
            serverLog(log);
            exchange(first);
            exchange(second);
            out.println("   The second copy of Test1's echo was taken as the answer to Test2: without sequence");
            out.println("   numbers the client cannot tell which request a reply belongs to.");
            return first.intact() && !second.intact() && Bytes.escape(second.received()).equals("Test1\\n");
        }
    }

    private boolean reset() throws IOException {
        heading("E. Connection reset", "--reset 1.0");
        List<String> log = new CopyOnWriteArrayList<>();
        try (EchoServer server = start(FaultConfig.none().withReset(1.0), log);
             PlainLineClient c = PlainLineClient.connect(server.address(), Duration.ofSeconds(5))) {
            PlainLineClient.Reply r = c.send("Test1");
            server.close();
            serverLog(log);
            exchange(r);
            out.println("   The connection is gone; the plain client has no reconnect, so Test1's fate is unknown.");
            return r.outcome() == PlainLineClient.Outcome.RESET || r.outcome() == PlainLineClient.Outcome.CLOSED;
        }
    }

    private EchoServer start(FaultConfig faults, List<String> log) throws IOException {
        return EchoServer.builder().faults(faults).seed(seed).log(log::add).start();
    }

    private void heading(String title, String flags) {
        out.println();
        out.println(title + "  (echo-server " + flags + ")");
    }

    private void serverLog(List<String> log) {
        for (String l : log) {
            // The fault applied to the first reply; later lines (the second copy's fate, the
            // moment a delayed reply left) race with the client and would make the output vary.
            if (l.contains(" reply to line 1: ") && !l.contains(": sent ")) {
                out.println("   server: " + l.replaceFirst("^#\\d+ \\S+ ", ""));
            }
        }
    }

    private void exchange(PlainLineClient.Reply r) {
        out.printf(Locale.ROOT, "   client: sent %s, got %s after %.3f s%n", Bytes.escape(r.sent()),
                switch (r.outcome()) {
                    case REPLY -> Bytes.escape(r.received());
                    case TIMEOUT -> "nothing (timeout)";
                    case CLOSED -> "end of stream (connection closed)";
                    case RESET -> "a reset (\"Connection reset\")";
                }, r.elapsed().toNanos() / 1e9);
    }

    private void indent(String dump) {
        for (String l : dump.split("\n")) {
            out.println("   " + l);
        }
    }

    private static String questionMarks(byte[] b) {
        StringBuilder s = new StringBuilder();
        for (byte x : b) {
            int c = x & 0xFF;
            if (c == '\n') {
                break;
            }
            s.append(c >= 0x20 && c < 0x7F ? (char) c : '?');
        }
        return s.toString();
    }
}
