package dev.wirelab.part3;

import dev.wirelab.part2.EchoServer;
import dev.wirelab.part2.FaultConfig;
import dev.wirelab.part2.PlainLineClient;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The plain client against the resilient one in one run: the same messages through part 2's
 * faulty echo server (started in this process), first with part 2's plain line client, which takes any reply at face value, then with
 * the resilient client, checked at the server. Prints as it goes (the resilient client's trace is
 * live) and returns what it established.
 */
public final class Demo {

    /** The server's faults: loss 0.25 answered by "Packet Loss", corruption 0.15, resets 0.05. */
    public static final FaultConfig FAULTS = FaultConfig.none().withLoss(0.25).withCorrupt(0.15).withReset(0.05);
    public static final long DEFAULT_SEED = 31;
    public static final int DEFAULT_COUNT = 8;
    public static final int MAX_COUNT = 1000;

    /**
     * @param plainIntact replies the plain client got back intact
     * @param plainFooled wrong replies the plain client took for the echo
     * @param resilient   the resilient client's run, with the server's side of it
     */
    public record Result(int count, int plainIntact, int plainFooled, Experiment.Result resilient) {
        /** The lesson held: the resilient client delivered every message exactly once. */
        public boolean asExpected() {
            return resilient.correct();
        }
    }

    private final long seed;
    private final List<String> lines = new ArrayList<>();

    /** {@code count} messages Test1..TestN through faults seeded with {@code seed}. */
    public Demo(long seed, int count) {
        if (count < 1 || count > MAX_COUNT) {
            throw new IllegalArgumentException("count must be 1.." + MAX_COUNT + ", got " + count);
        }
        this.seed = seed;
        for (int i = 1; i <= count; i++) {
            lines.add("Test" + i);
        }
    }

    /** Runs both clients, printing the plain client's replies, the resilient client's trace and summary, and a verdict. */
    public Result run(PrintWriter out) throws IOException {
        int count = lines.size();
        out.println("An echo server with faults " + FAULTS.describe() + " (seed " + seed + "), messages "
                + lines.get(0) + ".." + lines.get(count - 1) + ".");
        out.println();
        out.println("1. The plain client of section 3.2: one line out, whatever line comes back is the answer.");
        out.println();
        int fooled = 0;
        int intact = 0;
        try (EchoServer server = EchoServer.builder().host("127.0.0.1").port(0).faults(FAULTS).seed(seed).start()) {
            List<PlainLineClient.Reply> replies = PlainLineClient.exchange(server.address(), lines, Duration.ofMillis(500));
            for (int i = 0; i < count; i++) {
                if (i >= replies.size()) {
                    out.printf("   %-7s never sent: the connection was gone%n", lines.get(i));
                    continue;
                }
                PlainLineClient.Reply r = replies.get(i);
                String verdict;
                if (r.intact()) {
                    intact++;
                    verdict = "ok";
                } else if (r.outcome() == PlainLineClient.Outcome.REPLY) {
                    fooled++;
                    verdict = "WRONG, and the plain client cannot tell";
                } else {
                    verdict = "no answer (" + r.outcome().name().toLowerCase(Locale.ROOT) + ")";
                }
                out.printf("   %-7s -> %-16s %s%n", lines.get(i), r.receivedText().isEmpty() ? "(nothing)" : r.receivedText(), verdict);
            }
        }
        out.println();
        out.printf("   plain client: %d of %d echoed intact, %d wrong replies taken at face value.%n", intact, count, fooled);
        out.println();
        out.println("2. The resilient client: DATA frames with sequence numbers and CRC-32C, ACKs, timeouts,");
        out.println("   retransmission, reconnect with HELLO (--trace shows every step).");
        out.println();
        List<byte[]> payloads = lines.stream().map(l -> l.getBytes(StandardCharsets.UTF_8)).toList();
        Experiment.Result r = Experiment.run(FAULTS, seed, payloads, 1, "demo",
                c -> c.withTimeouts(Duration.ofMillis(500), Duration.ofMillis(100), Duration.ofSeconds(5)),
                new TracePrinter(out));
        out.println();
        out.print(r.summary().text());
        out.println();
        out.printf("   resilient client: %d of %d delivered; the server's handler got each message %s.%n",
                r.summary().delivered(), count, r.deliveredTwice() == 0 && r.wrongPayloads() == 0 ? "exactly once, intact" : "NOT exactly once");
        out.println();
        // One line that ./lab demo collects into its summary of all parts.
        out.printf("Verdict: the plain client took %d wrong replies at face value; the resilient client delivered %d of %d, each exactly once%s%n",
                fooled, r.summary().delivered(), count, r.correct() ? "" : " - NOT all delivered");
        out.flush();
        return new Result(count, intact, fooled, r);
    }
}
