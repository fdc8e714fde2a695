package dev.wirelab.bench;

import dev.wirelab.part2.FaultConfig;
import dev.wirelab.part2.LossMode;
import dev.wirelab.part3.ClientCommand;
import dev.wirelab.part3.ClientListener;
import dev.wirelab.part3.Experiment;
import dev.wirelab.part3.Summary;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code bench reliability}: what part 3's resilient client costs and buys, against part 2's echo
 * server in this process. (1) Transmissions per delivered message against the least any protocol
 * needs, 1/(1-p); (2) goodput of a window of 16 against stop-and-wait with 50 ms of latency;
 * (3) 10,000 messages through every fault at once, checked at the server: all delivered, each once,
 * none corrupted.
 */
@Command(name = "reliability", mixinStandardHelpOptions = true,
        description = "Part 3: retransmission cost vs 1/(1-p), window vs stop-and-wait goodput, 10,000 messages through all faults.")
public final class ReliabilityBench implements Callable<Integer>, Planned {

    @Spec
    CommandSpec spec;

    @Option(names = "--count", defaultValue = "10000", description = "Messages per run where the reply tells of a loss, and in the all-faults run (default: ${DEFAULT-VALUE}).")
    int count;

    @Option(names = "--drop-count", defaultValue = "2000", description = "Messages per run where lost replies are dropped (each costs a timeout) (default: ${DEFAULT-VALUE}).")
    int dropCount;

    @Option(names = "--delay-ms", defaultValue = "50", description = "Server delay for the window comparison (default: ${DEFAULT-VALUE}).")
    int delayMs;

    @Option(names = "--seed", defaultValue = "2026", description = "Seed of the server's faults (default: ${DEFAULT-VALUE}).")
    long seed;

    private static final int SIZE = 64;

    /**
     * The bench measures cost, not giving up: at loss 0.3 one message in 15,000 fails 8 times in a
     * row, so over 10,000 messages the default limit would give some up.
     */
    private static final java.util.function.UnaryOperator<dev.wirelab.part3.ResilientClient.Config> PERSISTENT =
            c -> c.withMaxAttempts(40);

    /** Seconds the default runs took without their delays on the lab's 2-core machine, for the estimate only. */
    private static final double ASSUMED_SECONDS_PER_12K = 36;

    private Progress progress;

    @Override
    public Duration planned() {
        // The delay runs wait out 100 stop-and-wait round trips and 1,000 / 16 windows of them.
        return Progress.seconds(ASSUMED_SECONDS_PER_12K * (count + dropCount) / 12_000.0 + delayMs / 1000.0 * (100 + 1000 / 16.0));
    }

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        progress = new Progress(spec.commandLine().getErr(), 8, planned());
        boolean ok = true;

        out.println("### Transmissions per delivered message against the minimum 1/(1-p)");
        out.println();
        out.println("| loss p | a lost message is answered by | window | delivered | transmissions | per message | minimum 1/(1-p) | over minimum | goal ≤ 5% |");
        out.println("|-------:|:--------------|-------:|----------:|--------------:|------------:|----------------:|-------------:|:---------:|");
        for (double p : new double[] {0.1, 0.3}) {
            ok &= costRow(out, p, LossMode.REPLACE, 1, count);
            ok &= costRow(out, p, LossMode.DROP, 16, dropCount);
        }
        out.println();

        out.printf(Locale.ROOT, "### Goodput with %d ms of server delay: window 16 against stop-and-wait%n%n", delayMs);
        out.println("| window | messages | elapsed | goodput (msg/s) | RTT p50 | speed-up | goal ≥ 10× |");
        out.println("|-------:|---------:|--------:|----------------:|--------:|---------:|:----------:|");
        FaultConfig delayed = FaultConfig.none().withDelay(Duration.ofMillis(delayMs));
        progress.step("window 1, 100 messages, " + delayMs + " ms server delay");
        Summary sw = Experiment.run(delayed, seed, ClientCommand.generate(100, SIZE), 1, PERSISTENT, ClientListener.NONE).summary();
        progress.step("window 16, 1000 messages, " + delayMs + " ms server delay");
        Summary w16 = Experiment.run(delayed, seed, ClientCommand.generate(1000, SIZE), 16, PERSISTENT, ClientListener.NONE).summary();
        double speedup = w16.goodputMessagesPerSecond() / sw.goodputMessagesPerSecond();
        out.printf(Locale.ROOT, "| 1 | %d | %s | %.1f | %s | 1.0× | |%n", sw.messages(), Summary.millis(sw.elapsedNanos()),
                sw.goodputMessagesPerSecond(), Summary.millis(sw.rttP50Nanos()));
        out.printf(Locale.ROOT, "| 16 | %d | %s | %.1f | %s | %.1f× | %s |%n", w16.messages(), Summary.millis(w16.elapsedNanos()),
                w16.goodputMessagesPerSecond(), Summary.millis(w16.rttP50Nanos()), speedup, speedup >= 10 ? "yes" : "NO");
        ok &= speedup >= 10 && sw.allDelivered() && w16.allDelivered();
        out.println();

        out.printf(Locale.ROOT, "### %,d messages through loss 0.3 + corruption 0.1 + reset 0.02 + duplicates 0.1%n%n", count);
        out.println("| window | delivered | once each at server | wrong payload at server | corrupt replies sent / caught | stale ACKs ignored | reconnects | transmissions/msg | elapsed |");
        out.println("|-------:|----------:|:-------------------:|------------------------:|------------------------------:|-------------------:|-----------:|------------------:|--------:|");
        FaultConfig all = FaultConfig.none().withLoss(0.3).withCorrupt(0.1).withReset(0.02).withDuplicate(0.1);
        for (int w : new int[] {1, 16}) {
            progress.step(String.format(Locale.ROOT, "window %d, %,d messages through all faults", w, count));
            Experiment.Result r = Experiment.run(all, seed, ClientCommand.generate(count, SIZE), w, PERSISTENT, ClientListener.NONE);
            Summary s = r.summary();
            out.printf(Locale.ROOT, "| %d | %d/%d | %s | %d | %d / %d | %d | %d | %.3f | %s |%n", w, s.delivered(), s.messages(),
                    r.deliveredAtServer() == s.messages() && r.deliveredTwice() == 0 ? "yes" : "NO", r.wrongPayloads(),
                    r.server().corrupted(), s.corruptReplies(), s.staleAcks(), s.reconnects(), s.transmissionsPerMessage(),
                    Summary.millis(s.elapsedNanos()));
            ok &= r.correct();
        }
        out.println();
        out.println(ok ? "All goals met." : "Some goal was NOT met (see the tables).");
        progress.note("reliability bench done in " + Progress.clock(progress.elapsed()));
        out.flush();
        return ok ? 0 : 1;
    }

    private boolean costRow(PrintWriter out, double p, LossMode mode, int window, int n) {
        FaultConfig f = FaultConfig.none().withLoss(p).withLossMode(mode);
        progress.step(String.format(Locale.ROOT, "loss %.1f, lost messages answered by %s, window %d, %,d messages", p,
                mode == LossMode.REPLACE ? "ERROR" : "nothing", window, n));
        Experiment.Result r = Experiment.run(f, seed, ClientCommand.generate(n, SIZE), window, PERSISTENT, ClientListener.NONE);
        Summary s = r.summary();
        double min = 1 / (1 - p);
        double over = s.transmissionsPerMessage() / min - 1;
        boolean met = over <= 0.05 && r.correct();
        out.printf(Locale.ROOT, "| %.1f | %s | %d | %d/%d | %d | %.4f | %.4f | %+.1f%% | %s |%n", p,
                mode == LossMode.REPLACE ? "ERROR" : "nothing (timeout)", window, s.delivered(), s.messages(), s.transmissions(),
                s.transmissionsPerMessage(), min, over * 100, met ? "yes" : "NO");
        out.flush();
        return met;
    }

    /** For a quick look without the bench launcher. */
    public static void main(String[] args) {
        System.exit(dev.wirelab.common.Cli.execute(new ReliabilityBench(), args));
    }
}
