package dev.wirelab.part3;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;

class RetryPolicyTest {

    private static final long MS = 1_000_000;
    /** nextDouble() of this source is 0.0. */
    private static final RandomGenerator LOWEST = () -> 0L;
    /** nextDouble() of this source is just below 1.0. */
    private static final RandomGenerator HIGHEST = () -> -1L;

    private static RetryPolicy policy(RandomGenerator random) {
        return new RetryPolicy(3, 0.25, Duration.ofMillis(20), Duration.ofMillis(500), random);
    }

    @Test
    void aFirstTransmissionWaitsExactlyTheRto() {
        assertEquals(200 * MS, policy(HIGHEST).timeoutNanos(200 * MS, 1, Long.MAX_VALUE));
    }

    @Test
    void retransmissionJitterOnlyEverLengthensTheTimer() {
        assertEquals(200 * MS, policy(LOWEST).timeoutNanos(200 * MS, 2, Long.MAX_VALUE));
        assertEquals(250 * MS, policy(HIGHEST).timeoutNanos(200 * MS, 2, Long.MAX_VALUE), 1);
        RetryPolicy p = policy(new SplittableRandom(7));
        for (int i = 0; i < 1000; i++) {
            long t = p.timeoutNanos(200 * MS, 3, Long.MAX_VALUE);
            assertTrue(t >= 200 * MS && t < 250 * MS, "timer " + t + " outside [RTO, 1.25 RTO)");
        }
    }

    @Test
    void aJitteredTimerNeverExceedsTheMaximumRto() {
        // the RTO has backed off to the maximum: jitter must not push the timer past it
        assertEquals(200 * MS, policy(HIGHEST).timeoutNanos(200 * MS, 2, 200 * MS));
        assertEquals(220 * MS, policy(HIGHEST).timeoutNanos(200 * MS, 2, 220 * MS));
        assertEquals(200 * MS, policy(HIGHEST).timeoutNanos(300 * MS, 1, 200 * MS));
    }

    @Test
    void aMessageMayBeRetriedUntilMaxAttemptsFailed() {
        RetryPolicy p = policy(LOWEST);
        assertTrue(p.mayRetry(0));
        assertTrue(p.mayRetry(2));
        assertFalse(p.mayRetry(3));
    }

    @Test
    void reconnectWaitsDoubleWithJitterUpToTheBound() {
        assertEquals(0, policy(HIGHEST).reconnectDelayNanos(0));
        // full jitter between half and all of base * 2^(k-1)
        assertEquals(10 * MS, policy(LOWEST).reconnectDelayNanos(1));
        assertEquals(20 * MS, policy(HIGHEST).reconnectDelayNanos(1), 1);
        assertEquals(80 * MS, policy(LOWEST).reconnectDelayNanos(4));
        assertEquals(160 * MS, policy(LOWEST).reconnectDelayNanos(5));
        assertEquals(250 * MS, policy(LOWEST).reconnectDelayNanos(10));
        assertEquals(500 * MS, policy(HIGHEST).reconnectDelayNanos(1000), 1);
    }

    @Test
    void aSmallerBaseDoublesFromItselfButNeverWaitsLongerThanTheReconnectBase() {
        assertEquals(0, policy(HIGHEST).backoffNanos(0, MS));
        assertEquals(MS / 2, policy(LOWEST).backoffNanos(1, MS));
        assertEquals(4 * MS, policy(HIGHEST).backoffNanos(3, MS), 1);
        // A base above the reconnect base (20 ms) is the reconnect wait itself.
        assertEquals(policy(LOWEST).reconnectDelayNanos(2), policy(LOWEST).backoffNanos(2, Long.MAX_VALUE));
        assertEquals(500 * MS, policy(HIGHEST).backoffNanos(1000, MS), 1);
    }

    @Test
    void nonsenseSettingsAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> new RetryPolicy(0, 0, Duration.ZERO, Duration.ZERO, LOWEST));
        assertThrows(IllegalArgumentException.class, () -> new RetryPolicy(1, 2, Duration.ZERO, Duration.ZERO, LOWEST));
    }
}
