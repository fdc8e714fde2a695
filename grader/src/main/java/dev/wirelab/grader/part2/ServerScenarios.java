package dev.wirelab.grader.part2;

import static dev.wirelab.grader.part2.Exchange.REPLY_WAIT;
import static dev.wirelab.grader.part2.Exchange.fail;

import dev.wirelab.grader.Binomial;
import dev.wirelab.grader.Durations;
import dev.wirelab.part3.TraceEvent;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * The scenarios of {@code ./lab grade part2}, in report order. To add one, add an entry to
 * {@link #ALL}: a name, one sentence, the values for {@code {delay}}, {@code {loss}} and
 * {@code {corrupt}}, a time limit, and the probe: what the grader sends as a client and what it
 * checks (a method below; the helpers are in {@link Exchange}).
 */
public final class ServerScenarios {

    /** A correct server fails a rate check once in 1/ALPHA runs. */
    static final double ALPHA = 0.001;
    /** How far a delayed reply may be from its delay: early by a scheduler tick, late by a loaded machine. */
    static final Duration EARLY = Duration.ofMillis(20);
    static final Duration LATE = Duration.ofMillis(250);
    static final int RATE_LINES = 300;

    private static final Duration LIMIT = Duration.ofSeconds(10);

    public static final List<ServerScenario> ALL = List.of(
            new ServerScenario("echo", "Plain echo: each line comes back exactly, including a 3000-byte one sent in several pieces.",
                    0, 0, 0, LIMIT, false, ServerScenarios::echo),
            new ServerScenario("several-clients", "Four clients connected at once each send a line: each gets its echo (the server serves several clients at a time).",
                    0, 0, 0, LIMIT, false, ServerScenarios::severalClients),
            new ServerScenario("loss-always", "With {loss} = 1.0 every reply is the report's \"Packet Loss\" instead of the echo.",
                    0, 1.0, 0, LIMIT, false, ServerScenarios::lossAlways),
            new ServerScenario("corrupt-always", "With {corrupt} = 1.0 every reply is the echo with exactly one byte flipped, never the newline; an empty line, with nothing to flip, comes back as it is.",
                    0, 0, 1.0, LIMIT, false, ServerScenarios::corruptAlways),
            new ServerScenario("loss-rate", "With {loss} = 0.3, the share of \"Packet Loss\" replies over " + RATE_LINES
                    + " lines is within the binomial bounds; every other reply is the echo.",
                    0, 0.3, 0, LIMIT, false, ServerScenarios::lossRate),
            new ServerScenario("corrupt-rate", "With {corrupt} = 0.2, the share of corrupted replies over " + RATE_LINES
                    + " lines is within the binomial bounds; every other reply is the echo.",
                    0, 0, 0.2, LIMIT, false, ServerScenarios::corruptRate),
            new ServerScenario("binary", "A line of binary bytes (all 255 values but the newline, invalid UTF-8) does not stop the server: a new client is still served.",
                    0, 0, 0, LIMIT, false, ServerScenarios::binary),
            new ServerScenario("long-line", "A 1 MiB line does not stop the server: a new client is still served.",
                    0, 0, 0, LIMIT, false, ServerScenarios::longLine),
            new ServerScenario("delay", "With {delay} = 0.5, a client that sends one line at a time gets each reply 0.5 s after its line"
                    + " (" + tolerance() + ").",
                    0.5, 0, 0, Duration.ofSeconds(15), true, ServerScenarios::delay),
            new ServerScenario("delay-other-clients", "With {delay} = 0.6, client A's delay does not hold up client B: B's reply comes 0.6 s after B's line"
                    + " (" + tolerance() + "), not after A's.",
                    0.6, 0, 0, LIMIT, true, ServerScenarios::delayOtherClients));

    private ServerScenarios() {
    }

    static String tolerance() {
        return "-" + EARLY.toMillis() + "/+" + LATE.toMillis() + " ms, the +" + LATE.toMillis() + " times --time-scale";
    }

    // ---- the probes ------------------------------------------------------------------------

    static void echo(Exchange x) throws Exception {
        LineClient c = x.client("client 1");
        List<byte[]> lines = List.of(line("Test1"), line("hello, wirelab"), line(text(200, x.seed())), line(text(3000, x.seed() + 1)));
        for (int i = 0; i < lines.size(); i++) {
            x.expectEcho(c, i + 1, lines.get(i), REPLY_WAIT);
        }
    }

    static void severalClients(Exchange x) throws Exception {
        List<LineClient> clients = new ArrayList<>();
        for (int i = 1; i <= 4; i++) {
            clients.add(x.client("client " + i));
        }
        List<byte[]> lines = new ArrayList<>();
        List<Long> sent = new ArrayList<>();
        for (int i = 0; i < clients.size(); i++) {
            lines.add(line("client " + (i + 1) + " says hello"));
            sent.add(clients.get(i).send(lines.get(i)));
        }
        List<Integer> unanswered = new ArrayList<>();
        // One deadline for all four: each waits REPLY_WAIT from the first line, not after the one before.
        long deadline = sent.get(0) + REPLY_WAIT.toNanos();
        for (int i = 0; i < clients.size(); i++) {
            Duration left = Duration.ofNanos(Math.max(1_000_000, deadline - System.nanoTime()));
            LineClient.Reply r = clients.get(i).read(left, sent.get(i));
            if (r.kind() == LineClient.Kind.NONE) {
                unanswered.add(i + 1);
                continue;
            }
            x.noReply(clients.get(i), 1, lines.get(i), r, REPLY_WAIT);
            if (!Arrays.equals(r.bytes(), lines.get(i))) {
                throw fail("the reply to " + clients.get(i).name() + " was " + LineClient.preview(r.bytes()) + ", not its echo "
                        + LineClient.preview(lines.get(i)));
            }
        }
        if (!unanswered.isEmpty()) {
            int first = unanswered.get(0);
            boolean oneAtATime = unanswered.size() == clients.size() - 1 && first == 2;
            String silence = x.silence();
            if (!silence.isEmpty()) {
                throw fail("none of the 4 clients got a reply within " + Durations.limit(REPLY_WAIT) + silence);
            }
            throw fail("client " + first + " got no reply within " + Durations.limit(REPLY_WAIT) + " while "
                    + (oneAtATime ? "client 1 was connected: your server serves one client at a time"
                    : unanswered.size() + " of 4 clients waited in vain")
                    + "; it must serve several at once (a thread per client, selectors or asyncio)");
        }
    }

    static void lossAlways(Exchange x) throws Exception {
        LineClient c = x.client("client 1");
        for (int i = 1; i <= 5; i++) {
            byte[] l = line("Test" + i);
            long sent = c.send(l);
            LineClient.Reply r = c.read(REPLY_WAIT, sent);
            x.noReply(c, i, l, r, REPLY_WAIT);
            if (!r.isPacketLoss()) {
                throw fail("the reply to line " + i + " was " + LineClient.preview(r.bytes())
                        + "; with {loss} = 1.0 every reply must be the report's \"Packet Loss\" instead of the echo");
            }
        }
    }

    static void corruptAlways(Exchange x) throws Exception {
        LineClient c = x.client("client 1");
        SplittableRandom random = new SplittableRandom(x.seed());
        // Short lines: a server that may flip the newline too is caught with near certainty
        // (lengths 1..6 give it a 1 in 7 chance per six lines of missing it).
        for (int i = 1; i <= 60; i++) {
            byte[] l = line(letters(1 + (i - 1) % 6, random));
            long sent = c.send(l);
            LineClient.Reply r = c.read(REPLY_WAIT, sent);
            x.noReply(c, i, l, r, REPLY_WAIT);
            String problem = oneFlip(l, r);
            if (problem != null) {
                throw fail("the reply to line " + i + " " + LineClient.preview(l) + " was " + LineClient.preview(r.bytes())
                        + ": " + problem);
            }
        }
        // A student presses Enter in nc: an empty line has only its newline, which is never flipped.
        byte[] empty = line("");
        long sent = c.send(empty);
        LineClient.Reply r = c.read(REPLY_WAIT, sent);
        if (!Arrays.equals(r.bytes(), empty)) {
            String got = switch (r.kind()) {
                case NONE -> "no reply within " + Durations.limit(REPLY_WAIT);
                case CLOSED -> "its connection closed";
                default -> "the reply " + LineClient.preview(r.bytes());
            };
            throw fail("an empty line (only its newline) got " + got + ", not itself back: it has no byte"
                    + " to flip, so it comes back as it is (a random index below len(line) - 1 = 0 does not exist)");
        }
    }

    static void lossRate(Exchange x) throws Exception {
        rate(x, "loss", 0.3, (line, r) -> r.isPacketLoss());
    }

    static void corruptRate(Exchange x) throws Exception {
        rate(x, "corrupt", 0.2, (line, r) -> !Arrays.equals(line, r.bytes()) && oneFlip(line, r) == null);
    }

    private interface Hit {
        boolean test(byte[] line, LineClient.Reply r);
    }

    private static void rate(Exchange x, String what, double p, Hit hit) throws Exception {
        LineClient c = x.client("client 1");
        int hits = 0;
        for (int i = 1; i <= RATE_LINES; i++) {
            byte[] l = line("line " + i + " of " + RATE_LINES);
            long sent = c.send(l);
            LineClient.Reply r = c.read(REPLY_WAIT, sent);
            x.noReply(c, i, l, r, REPLY_WAIT);
            if (hit.test(l, r)) {
                hits++;
            } else if (!Arrays.equals(l, r.bytes())) {
                String flip = what.equals("corrupt") && !r.isPacketLoss() ? oneFlip(l, r) : null;
                throw fail("the reply to line " + i + " " + LineClient.preview(l) + " was " + LineClient.preview(r.bytes())
                        + ": " + (flip != null ? flip : "neither its echo nor "
                        + (what.equals("loss") ? "\"Packet Loss\"" : "the echo with one byte flipped (not the newline)")));
            }
        }
        Binomial b = Binomial.bounds(RATE_LINES, p, ALPHA);
        String count = hits + " of " + RATE_LINES + " replies were " + (what.equals("loss") ? "\"Packet Loss\"" : "corrupted")
                + String.format(Locale.ROOT, " (%.1f%%)", 100.0 * hits / RATE_LINES);
        String range = b.low() + ".." + b.high();
        if (!b.contains(hits)) {
            throw fail(count + "; with {" + what + "} = " + p + " a correct server gives " + range + " in 99.9% of runs: "
                    + rateHint(what, hits, b));
        }
        x.note(count + ", within " + range + " (99.9% binomial bounds for " + p + ")");
    }

    /** What a count outside the bounds suggests: none at all, too few, or too many (the rate drawn twice). */
    private static String rateHint(String what, int hits, Binomial b) {
        String kind = what.equals("loss") ? "Packet Loss" : "corrupted";
        String rate = what.equals("loss") ? "loss" : "corruption";
        if (hits == 0) {
            return "no reply was " + kind + ": is the " + rate + " rate used at all (e.g. parsed as a whole number, so 0)?";
        }
        if (hits < b.low()) {
            return "too few: is every line given one draw, random.random() < " + what
                    + " (not two draws that must both hit, nor a draw for only some lines)?";
        }
        return "too many: is the rate applied once per line, with random.random() < " + what
                + "? (a second draw for the same line raises it)";
    }

    static void binary(Exchange x) throws Exception {
        byte[] l = new byte[256];
        int n = 0;
        for (int b = 0; b < 256; b++) {
            if (b != '\n') {
                l[n++] = (byte) b;
            }
        }
        l[n] = '\n';
        LineClient c = x.client("client 1");
        long sent = c.send(l);
        LineClient.Reply r = c.read(REPLY_WAIT, sent);
        if (!Arrays.equals(r.bytes(), l)) {
            x.note("the binary line was not echoed exactly (" + switch (r.kind()) {
                case NONE -> "no reply";
                case CLOSED -> "the server closed the connection";
                default -> "got " + LineClient.preview(r.bytes());
            } + "); an echo server should echo any bytes, but only surviving them is graded");
        }
        c.close();
        stillServes(x, "a line of binary bytes");
    }

    static void longLine(Exchange x) throws Exception {
        LineClient c = x.client("client 1");
        byte[] big = new byte[1 << 20];
        Arrays.fill(big, (byte) 'x');
        big[big.length - 1] = '\n';
        x.ladder().add(TraceEvent.Arrow.TO_SERVER, "line 1", "client 1 sends 1 MiB of 'x' and a newline");
        // The server may echo as it reads, or stop reading: send from one thread, drain in this one.
        Thread writer = Thread.ofVirtual().start(() -> {
            try {
                c.sendQuietly(big);
            } catch (IOException ignored) {
                // it closed the connection: allowed
            }
        });
        long deadline = System.nanoTime() + Duration.ofSeconds(3).toNanos();
        long got = 0;
        while (System.nanoTime() < deadline && got < big.length) {
            LineClient.Reply r = c.read(Duration.ofMillis(500));
            if (r.kind() == LineClient.Kind.NONE || r.kind() == LineClient.Kind.CLOSED) {
                break;
            }
            got += r.bytes().length;
        }
        c.close();
        writer.join(Duration.ofSeconds(2));
        stillServes(x, "a 1 MiB line");
    }

    private static void stillServes(Exchange x, String after) throws Exception {
        LineClient c2;
        try {
            c2 = x.client("client 2");
        } catch (IOException e) {
            throw fail("after " + after + ", a new client could not connect (" + e.getMessage()
                    + "): your server stopped; it must survive any input");
        }
        byte[] l = line("Test1");
        long sent = c2.send(l);
        LineClient.Reply r = c2.read(REPLY_WAIT, sent);
        if (!Arrays.equals(r.bytes(), l)) {
            throw fail("after " + after + ", a new client's \"Test1\" got " + switch (r.kind()) {
                case NONE -> "no reply within " + Durations.limit(REPLY_WAIT) + x.silence();
                case CLOSED -> "its connection closed";
                default -> LineClient.preview(r.bytes());
            } + ": your server stopped serving; it must survive any input");
        }
    }

    static void delay(Exchange x) throws Exception {
        long d = seconds(x.scenario().delay());
        LineClient c = x.client("client 1");
        for (int i = 1; i <= 3; i++) {
            byte[] l = line("Test" + i);
            long sent = c.send(l);
            LineClient.Reply r = c.read(REPLY_WAIT.plusNanos(d), sent);
            x.noReply(c, i, l, r, REPLY_WAIT.plusNanos(d));
            if (!Arrays.equals(r.bytes(), l)) {
                throw fail("the reply to line " + i + " " + LineClient.preview(l) + " was " + LineClient.preview(r.bytes()) + ", not its echo");
            }
            String late = lateness(x, "the reply to line " + i, r.at() - sent, d);
            if (late != null) {
                throw fail(late);
            }
        }
        // Pipelined lines: information only. A network delays every packet by the same amount;
        // the report's sleep in the receive loop delays each line after the one before.
        byte[] three = (new String(line("Test4")) + new String(line("Test5")) + new String(line("Test6"))).getBytes(StandardCharsets.US_ASCII);
        long sent = c.send(three);
        List<String> after = new ArrayList<>();
        int lines = 0;
        while (lines < 3) {
            LineClient.Reply r = c.read(REPLY_WAIT.plusNanos(3 * d), sent);
            if (r.kind() == LineClient.Kind.NONE || r.kind() == LineClient.Kind.CLOSED) {
                break;
            }
            int inReply = count(r.bytes(), (byte) '\n');
            for (int k = 0; k < Math.max(1, inReply); k++) {
                after.add(String.format(Locale.ROOT, "%.2f", (r.at() - sent) / 1e9));
            }
            lines += Math.max(1, inReply);
        }
        String times = String.join(", ", after) + " s";
        if (after.size() == 3 && (parse(after.get(2)) - parse(after.get(0))) > 0.5 * x.scenario().delay()) {
            x.note("three lines sent at once came back after " + times
                    + ": each waited for the one before, as a sleep in the receive loop does (the report's, and the starter's);"
                    + " a network would delay them together. Not graded: question 2 of part 2's page asks why it matters");
        } else {
            x.note("three lines sent at once came back after " + times
                    + (after.size() == 3 ? ": delayed together, as a network delays packets" : ""));
        }
    }

    static void delayOtherClients(Exchange x) throws Exception {
        long d = seconds(x.scenario().delay());
        long offset = 200_000_000L; // B's line arrives while A's reply is being delayed
        LineClient a = x.client("client A");
        LineClient b = x.client("client B");
        byte[] la = line("A says hello");
        byte[] lb = line("B says hello");
        long sentA = a.send(la);
        // A's reply is read while B waits to send, so that both arrival times are the real ones
        // (one sent at once is not seen 200 ms late): B's is due 'offset' after A's, and a
        // server whose delay holds up every client sends it a whole delay after A's instead.
        CompletableFuture<LineClient.Reply> readA = new CompletableFuture<>();
        Thread readerA = Thread.ofVirtual().name("read-client-A").start(() -> {
            try {
                readA.complete(a.read(REPLY_WAIT.plusNanos(d), sentA));
            } catch (Throwable t) {
                readA.completeExceptionally(t);
            }
        });
        Thread.sleep(offset / 1_000_000);
        long sentB = b.send(lb);
        readerA.join();
        LineClient.Reply ra;
        try {
            ra = readA.join();
        } catch (CompletionException e) {
            throw e.getCause() instanceof IOException io ? io : e;
        }
        x.noReply(a, 1, la, ra, REPLY_WAIT.plusNanos(d));
        LineClient.Reply rb = b.read(REPLY_WAIT.plusNanos(d), sentB);
        if (rb.kind() == LineClient.Kind.NONE) {
            throw fail("client B got no reply within " + Durations.seconds(REPLY_WAIT.toNanos() + d)
                    + " while client A was connected: your server serves one client at a time; each client's delay must hold up only that client");
        }
        x.noReply(b, 1, lb, rb, REPLY_WAIT.plusNanos(d));
        if (!Arrays.equals(rb.bytes(), lb)) {
            throw fail("the reply to client B was " + LineClient.preview(rb.bytes()) + ", not its echo");
        }
        // The gap between the two replies, not B's lateness, tells a shared delay: a slow machine
        // (and its --time-scale) makes both replies late alike, so this holds at any time scale.
        long gap = rb.at() - ra.at();
        if (gap > (offset + d) / 2) {
            throw fail("client B's reply came " + Durations.seconds(rb.at() - sentB) + " after its line and "
                    + Durations.seconds(gap) + " after client A's reply, instead of " + Durations.seconds(offset)
                    + ", as client B's line came after client A's: client A's delay held it up (is the delay slept while holding a lock"
                    + " every client shares?); each client's delay must hold up only that client's replies");
        }
        String late = lateness(x, "client B's reply", rb.at() - sentB, d);
        if (late != null) {
            throw fail(late);
        }
        String lateA = lateness(x, "client A's reply", ra.at() - sentA, d);
        if (lateA != null) {
            throw fail(lateA);
        }
    }

    /** Null when {@code took} is the delay within the tolerance, else the sentence. */
    private static String lateness(Exchange x, String what, long took, long d) {
        String delay = Durations.seconds(d).replace(" s", "") + " s";
        String tolerance = "-" + EARLY.toMillis() + "/+" + x.late().toMillis() + " ms";
        if (took < d - EARLY.toNanos()) {
            return what + " came after " + Durations.seconds(took) + "; with {delay} = " + delay
                    + " it must leave " + delay + " after its line (" + tolerance + ")";
        }
        if (took > d + x.late().toNanos()) {
            return what + " came after " + Durations.seconds(took) + ", " + Durations.seconds(took - d)
                    + " more than the delay of " + delay + " (" + tolerance + ")";
        }
        return null;
    }

    // ---- helpers ---------------------------------------------------------------------------

    /** Null when {@code r} is {@code line} with exactly one byte changed and the newline intact. */
    static String oneFlip(byte[] line, LineClient.Reply r) {
        byte[] got = r.bytes();
        if (got.length == line.length && got.length > 0 && got[got.length - 1] != '\n') {
            return "the newline was flipped (0x0a -> " + String.format("0x%02x", got[got.length - 1] & 0xFF)
                    + "); corruption must flip a byte of the text, never the newline";
        }
        if (got.length != line.length) {
            return "it is " + got.length + " bytes long, not " + line.length + ": corruption flips one byte, it does not add or remove any";
        }
        List<Integer> diff = new ArrayList<>();
        for (int i = 0; i < line.length; i++) {
            if (got[i] != line[i]) {
                diff.add(i);
            }
        }
        if (diff.isEmpty()) {
            return "it came back unchanged; with {corrupt} = 1.0 every reply must have one byte flipped";
        }
        if (diff.size() > 1) {
            return "it differs in " + diff.size() + " bytes (at " + diff + "); corruption flips exactly one";
        }
        return null;
    }

    static byte[] line(String s) {
        return (s + "\n").getBytes(StandardCharsets.UTF_8);
    }

    private static String text(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        StringBuilder b = new StringBuilder(n);
        String words = "the quick brown fox jumps over a lazy dog while packets get lost ";
        while (b.length() < n) {
            int at = r.nextInt(words.length() - 8);
            b.append(words, at, at + 8);
        }
        return b.substring(0, n);
    }

    private static String letters(int n, SplittableRandom r) {
        StringBuilder b = new StringBuilder(n);
        for (int i = 0; i < n; i++) {
            b.append((char) ('a' + r.nextInt(26)));
        }
        return b.toString();
    }

    private static long seconds(double s) {
        return Math.round(s * 1e9);
    }

    private static int count(byte[] b, byte x) {
        int n = 0;
        for (byte v : b) {
            if (v == x) {
                n++;
            }
        }
        return n;
    }

    private static double parse(String s) {
        return Double.parseDouble(s);
    }
}
