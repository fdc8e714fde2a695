package dev.wirelab.grader.part3;

import dev.wirelab.grader.Durations;
import dev.wirelab.part2.FaultConfig;
import dev.wirelab.part2.LossMode;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * The scenarios of {@code ./lab grade part3}. Each catches a client that lacks the mechanism its
 * sentence names (the grader's tests name which broken client fails which); a fixed timer of
 * about a second and a skipped CRC-32C check (with type, seq and echo checked) are not caught,
 * and docs/grading.md says so. To add one, add an entry to {@link #ALL}: a name, one sentence, a fault
 * script (part 2's syntax: {@code seq 3: drop}, one rule per line) and/or random rates, the number
 * of messages, a time limit, and optionally a check of its own.
 */
public final class ClientScenarios {

    static final int EFFICIENCY_MESSAGES = 50;
    static final double EFFICIENCY_LOSS = 0.2;
    static final Duration EFFICIENCY_DELAY = Duration.ofMillis(20);
    static final double EFFICIENCY_FACTOR = 1.5;
    static final int TIMING_MESSAGES = 100;
    static final Duration TIMING_BOUND = Duration.ofSeconds(2);

    private static final Duration LIMIT = Duration.ofSeconds(10);

    public static final List<ClientScenario> ALL = List.of(
            new ClientScenario("clean", "No faults: 20 messages, each delivered once, in order, and the client exits 0.",
                    null, null, 20, LIMIT, false, null),
            new ClientScenario("hello-lost", "The server answers your first HELLO with ERROR 0 (the HELLO was lost, the id not taken):"
                    + " say HELLO again (on a new connection), then send the messages.",
                    "hello: error", null, 10, LIMIT, false, null),
            new ClientScenario("drop", "DATA 3 is lost on its way (no reply at all): your client must time out and send it again.",
                    "seq 3: drop", null, 10, LIMIT, false, null),
            new ClientScenario("drop-last", "The last DATA (message 10) is lost on its way: a client that exits once it has sent"
                    + " everything, without waiting for the last ACK, has lost it; wait for every ACK before you exit 0.",
                    "seq 10: drop", null, 10, LIMIT, false, null),
            new ClientScenario("error", "The server answers DATA 3 with ERROR 3 \"Packet Loss\" (not delivered): send it again.",
                    "seq 3: error", null, 10, LIMIT, false, null),
            new ClientScenario("ack-drop", "DATA 3 is delivered but its ACK is lost: your client sends it again, and it must not be delivered twice.",
                    "seq 3: ack-drop", null, 10, LIMIT, false, null),
            new ClientScenario("corrupt-undelivered", "DATA 3 is not delivered and its ERROR comes back with the type byte flipped (0x04 -> 0xfb):"
                    + " the CRC-32C fails, so it is no answer; a client that takes it for an ACK never sends message 3 again.",
                    "seq 3: error\nseq 3: corrupt byte 3", null, 10, LIMIT, false, null),
            new ClientScenario("corrupt-length", "The ACK for message 3 has its length field corrupted (over 4 GB): your client must refuse it"
                    + " before reading the payload, reconnect, and send message 3 again.",
                    "seq 3: corrupt byte 8", null, 10, LIMIT, false, null),
            new ClientScenario("duplicate-ack", "The ACK for message 3 arrives twice: the second copy must be ignored.",
                    "seq 3: duplicate", null, 10, LIMIT, false, null),
            new ClientScenario("stale-ack", "A second, stale ACK 2 arrives while your client waits for ACK 3, and DATA 3 was lost:"
                    + " a stale ACK is no answer for message 3.",
                    "seq 2: duplicate\nseq 3: drop", null, 10, LIMIT, false, null),
            new ClientScenario("delay-spike", "The ACK for message 4 is held back 1.5 s: a client whose timeout is shorter sends"
                    + " message 4 again (a spurious retransmission), and it is still delivered once; one that gives up first fails.",
                    "seq 4: delay 1500ms", null, 10, LIMIT, false, null),
            new ClientScenario("reset", "The server resets the connection instead of answering DATA 5: your client reconnects, says HELLO"
                    + " with the same session id, and sends what was not acknowledged (delivered once).",
                    "seq 5: reset", null, 10, LIMIT, false, null),
            new ClientScenario("burst", "Five transmissions of message 4 in a row are lost: your client keeps trying (six attempts"
                    + " at least) and does not give up. Backoff is not required; the limit leaves room for it (from a 1 s timeout"
                    + " doubling up to 8 s, the sixth goes out after 23 s).",
                    "seq 4: drop\nseq 4 #2: drop\nseq 4 #3: drop\nseq 4 #4: drop\nseq 4 #5: drop", null, 10,
                    Duration.ofSeconds(40), false, null),
            new ClientScenario("reorder", "The ACK for message 3 is held back and goes out only after the server's next"
                    + " reply (for a stop-and-wait client, after it sent message 3 again): the late copy must be ignored.",
                    "seq 3: reorder", null, 10, LIMIT, false, null),
            new ClientScenario("random-mix", "200 messages through seeded random faults: 10% ERROR replies, 5% corrupted replies,"
                    + " 2% resets and 5% duplicated replies.",
                    null, FaultConfig.none().withLoss(0.10).withLossMode(LossMode.REPLACE).withCorrupt(0.05).withReset(0.02)
                            .withDuplicate(0.05), 200, Duration.ofSeconds(30), false, null),
            new ClientScenario("efficiency", String.format(Locale.ROOT, "%d messages at random loss %.1f (lost, no reply) and %d ms"
                            + " of delay per reply: at most %.1f x the expected minimum of DATA frames, n/(1-p).",
                    EFFICIENCY_MESSAGES, EFFICIENCY_LOSS, EFFICIENCY_DELAY.toMillis(), EFFICIENCY_FACTOR),
                    null, FaultConfig.none().withLoss(EFFICIENCY_LOSS).withLossMode(LossMode.DROP).withDelay(EFFICIENCY_DELAY),
                    EFFICIENCY_MESSAGES, Duration.ofSeconds(30), true, ClientScenarios::efficiency),
            new ClientScenario("timing", "A clean run of " + TIMING_MESSAGES + " messages takes at most " + Durations.limit(TIMING_BOUND)
                    + " at the server, from the first DATA to the last delivery: with nothing lost there is nothing to wait for.",
                    null, null, TIMING_MESSAGES, LIMIT, true, ClientScenarios::timing));

    private static final String[] WORDS = {"apple", "bridge", "cobalt", "delta", "ember", "fjord", "granite", "harbor",
            "island", "jasmine", "kelvin", "lantern", "meadow", "nickel", "orbit", "pepper", "quartz", "river", "saffron",
            "tundra", "umber", "violet", "walnut", "xenon", "yarrow", "zephyr"};

    private ClientScenarios() {
    }

    /** The scenario's messages: unique, so that a delivered payload names its message. */
    public static List<byte[]> messages(ClientScenario s, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        List<byte[]> out = new ArrayList<>(s.messages());
        for (int i = 1; i <= s.messages(); i++) {
            String m = "message " + i + ": " + WORDS[r.nextInt(WORDS.length)] + " " + WORDS[r.nextInt(WORDS.length)];
            out.add(m.getBytes(StandardCharsets.US_ASCII));
        }
        return out;
    }

    static String efficiency(Evidence e) {
        int sent = e.log().all(ServerLog.Data.class).size();
        double minimum = e.messages().size() / (1 - EFFICIENCY_LOSS);
        long limit = (long) Math.floor(EFFICIENCY_FACTOR * minimum);
        if (sent <= limit) {
            return null;
        }
        return String.format(Locale.ROOT, "your client sent %d DATA frames for %d messages; at loss %.1f the expected minimum is"
                        + " %.1f and the limit %.1f x that, %d: it retransmits too eagerly (is its timer shorter than the"
                        + " %d ms round trip? it should adapt to the measured RTT)", sent, e.messages().size(), EFFICIENCY_LOSS,
                minimum, EFFICIENCY_FACTOR, limit, EFFICIENCY_DELAY.toMillis());
    }

    static String timing(Evidence e) {
        List<ServerLog.Data> data = e.log().all(ServerLog.Data.class);
        List<ServerLog.Delivered> delivered = e.log().all(ServerLog.Delivered.class);
        if (data.isEmpty() || delivered.isEmpty()) {
            return null; // the delivery checks already said what is wrong
        }
        long took = delivered.get(delivered.size() - 1).at() - data.get(0).at();
        if (took <= TIMING_BOUND.toNanos()) {
            return null;
        }
        return "the " + e.messages().size() + " messages took " + Durations.seconds(took) + " at the server, from the first DATA"
                + " to the last delivery; the bound is " + Durations.limit(TIMING_BOUND)
                + ": with nothing lost there is nothing to wait for (does your client sleep, or wait for a timer, between messages?)";
    }
}
