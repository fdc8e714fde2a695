package dev.wirelab.part3;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wirelab.part2.FaultConfig;
import dev.wirelab.part2.LossMode;
import java.time.Duration;
import java.util.List;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The client against part 2's real echo server, each fault alone and all together, seeded. The
 * server's delivery handler is the referee: every message must reach it exactly once, with the
 * bytes that were sent.
 */
@Timeout(60)
class AgainstEchoServerTest {

    /** Short timer bounds keep the runs with dropped replies quick; correctness does not depend on them. */
    private static final UnaryOperator<ResilientClient.Config> QUICK =
            c -> c.withTimeouts(Duration.ofMillis(200), Duration.ofMillis(30), Duration.ofSeconds(2)).withMaxAttempts(20);

    static Stream<Arguments> eachFaultAlone() {
        FaultConfig none = FaultConfig.none();
        return Stream.of(
                Arguments.of("no fault", none),
                Arguments.of("delay with jitter", none.withDelay(Duration.ofMillis(2)).withJitter(Duration.ofMillis(3))),
                Arguments.of("loss, ERROR reply", none.withLoss(0.3)),
                Arguments.of("loss, reply dropped", none.withLoss(0.3).withLossMode(LossMode.DROP)),
                Arguments.of("corruption", none.withCorrupt(0.2)),
                Arguments.of("duplicates", none.withDuplicate(0.3)),
                Arguments.of("resets", none.withReset(0.05)));
    }

    @ParameterizedTest(name = "{0}, stop-and-wait")
    @MethodSource("eachFaultAlone")
    void everyMessageArrivesOnceAndIntactStopAndWait(String name, FaultConfig faults) {
        check(Experiment.run(faults, 42, ClientCommand.generate(120, 48), 1, QUICK, ClientListener.NONE));
    }

    @ParameterizedTest(name = "{0}, window 8")
    @MethodSource("eachFaultAlone")
    void everyMessageArrivesOnceAndIntactWithAWindow(String name, FaultConfig faults) {
        check(Experiment.run(faults, 43, ClientCommand.generate(200, 48), 8, QUICK, ClientListener.NONE));
    }

    @Test
    void allFaultsTogetherStillDeliverEveryMessageExactlyOnce() {
        // The CI-sized reliability run; the benchmark does 10,000.
        FaultConfig all = FaultConfig.none().withLoss(0.3).withCorrupt(0.1).withReset(0.02).withDuplicate(0.1);
        Experiment.Result r = Experiment.run(all, 7, ClientCommand.generate(600, 64), 8, QUICK, ClientListener.NONE);
        check(r);
        Summary s = r.summary();
        assertTrue(s.retransmissions().get(Cause.ERROR_REPLY) > 0, "losses were retransmitted");
        assertTrue(s.retransmissions().get(Cause.CORRUPT) > 0, "corrupt replies were caught");
        assertTrue(s.retransmissions().get(Cause.CONNECTION_LOST) > 0, "resets were survived");
        assertTrue(s.staleAcks() > 0, "duplicated ACKs were ignored");
        assertTrue(r.server().corrupted() > 0 && r.server().resets() > 0 && r.server().duplicated() > 0, r.server().describe());
    }

    @Test
    void retransmissionsAfterLossAreAcknowledgedAgainButDeliveredOnce() {
        Experiment.Result r = Experiment.run(FaultConfig.none().withLoss(0.4), 11, ClientCommand.generate(100, 16), 4,
                QUICK, ClientListener.NONE);
        check(r);
        // A lost message (ERROR n: n was not delivered) never reached the handler, so its
        // retransmission is the first copy delivered, not a duplicate.
        assertTrue(r.summary().retransmissionsTotal() > 0 && r.server().lost() > 0, r.server().describe());
        assertEquals(0, r.server().duplicatesSuppressed(), r.server().describe());
        assertEquals(100, r.server().delivered());
        Experiment.Result reset = Experiment.run(FaultConfig.none().withReset(0.1), 12, ClientCommand.generate(100, 16), 8,
                QUICK, ClientListener.NONE);
        check(reset);
        assertTrue(reset.server().duplicatesSuppressed() > 0,
                "messages in flight on a reset connection were delivered, resent, and suppressed: " + reset.server().describe());
    }

    @Test
    void withoutFaultsEachMessageIsSentExactlyOnce() {
        // Without faults a retransmission can only be spurious: a timer that expires when the
        // machine is slow, not when anything was lost. One longer than this test may run
        // (@Timeout) cannot expire, so a count above 300 can only come from the client resending
        // what it need not; a message that really went missing fails the test by its @Timeout.
        Duration never = Duration.ofSeconds(120);
        Experiment.Result r = Experiment.run(FaultConfig.none(), 1, ClientCommand.generate(300, 32), 16,
                c -> c.withTimeouts(never, never, never), ClientListener.NONE);
        check(r);
        assertEquals(300, r.summary().transmissions());
        assertEquals(0, r.summary().reconnects());
    }

    private static void check(Experiment.Result r) {
        Summary s = r.summary();
        List<Long> failed = s.failed().stream().map(SendWindow.Failed::seq).toList();
        assertEquals(List.of(), failed, "messages not delivered");
        assertEquals(s.messages(), s.delivered());
        assertEquals(s.messages(), r.deliveredAtServer(), "each message reached the server's handler");
        assertEquals(0, r.deliveredTwice(), "no message was handed to the server twice");
        assertEquals(0, r.wrongPayloads(), "every delivered payload is the one sent");
        assertTrue(r.correct());
    }
}
