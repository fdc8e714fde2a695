package dev.wirelab.part3;

import dev.wirelab.common.Cli;
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
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code part3 demo}: section 3.3 in one command — the plain client fooled, the resilient client not. */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"Section 3.3 in one command: plain client vs resilient client.",
                "The same messages through a faulty echo server, first with part 2's plain line client, "
                        + "then with the resilient client (trace and summary)."})
public final class DemoCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--seed", defaultValue = "31", paramLabel = "N",
            description = "Seed of the server's faults (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--count", defaultValue = "8", paramLabel = "N", description = "Messages to send (default: ${DEFAULT-VALUE}).")
    int count;

    static final FaultConfig FAULTS = FaultConfig.none().withLoss(0.25).withCorrupt(0.15).withReset(0.05);

    @Override
    public Integer call() throws IOException {
        if (count < 1 || count > 1000) {
            throw new dev.wirelab.common.UserError("--count must be 1..1000, got " + count, Cli.USAGE);
        }
        PrintWriter out = spec.commandLine().getOut();
        List<String> lines = new ArrayList<>();
        for (int i = 1; i <= count; i++) {
            lines.add("Test" + i);
        }
        out.println("An echo server with faults " + FAULTS.describe() + " (seed " + seed + "), messages "
                + lines.get(0) + ".." + lines.get(lines.size() - 1) + ".");
        out.println();
        out.println("1. The plain client of section 3.2: one line out, whatever line comes back is the answer.");
        out.println();
        int fooled = 0;
        int intact = 0;
        try (EchoServer server = EchoServer.builder().host("127.0.0.1").port(0).faults(FAULTS).seed(seed).start()) {
            List<PlainLineClient.Reply> replies = PlainLineClient.exchange(server.address(), lines, Duration.ofMillis(500));
            for (int i = 0; i < lines.size(); i++) {
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
        return r.correct() ? Cli.OK : ClientCommand.report(r.summary(), spec.commandLine().getErr());
    }
}
