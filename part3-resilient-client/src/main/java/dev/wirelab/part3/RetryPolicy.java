package dev.wirelab.part3;

import java.time.Duration;
import java.util.random.RandomGenerator;

/**
 * When to retransmit, when to reconnect, and when to give up.
 *
 * <p>A first transmission waits exactly the current RTO. A retransmission waits the RTO stretched by
 * a random factor in [1, 1 + jitter), but never beyond the configured maximum RTO: after a reset or a
 * burst of losses many messages are resent at once, and without jitter their timers would all expire
 * together again. Jitter only ever lengthens a timer, so it never causes a spurious retransmission.
 *
 * <p>Reconnecting after consecutive failures backs off exponentially with "equal jitter" (a uniform
 * wait between half and all of the doubled delay), so a restarting server is not hammered in lockstep.
 */
public final class RetryPolicy {

    private final int maxAttempts;
    private final double jitter;
    private final long reconnectBase;
    private final long reconnectMax;
    private final RandomGenerator random;

    /**
     * @param maxAttempts   transmissions of one message that may fail before it is given up (at least 1)
     * @param jitter        0 for none; 0.25 stretches a retransmission timer by up to 25%
     * @param reconnectBase the wait after the first failed reconnect, doubled for each further one
     * @param reconnectMax  upper bound of the reconnect wait
     * @param random        the jitter's random source (tests pass a fixed one)
     */
    public RetryPolicy(int maxAttempts, double jitter, Duration reconnectBase, Duration reconnectMax,
                       RandomGenerator random) {
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("max attempts must be at least 1, got " + maxAttempts);
        }
        if (jitter < 0 || jitter > 1) {
            throw new IllegalArgumentException("jitter must be within 0..1, got " + jitter);
        }
        this.maxAttempts = maxAttempts;
        this.jitter = jitter;
        this.reconnectBase = reconnectBase.toNanos();
        this.reconnectMax = reconnectMax.toNanos();
        this.random = random;
    }

    public int maxAttempts() {
        return maxAttempts;
    }

    /** Whether a message whose {@code failedAttempts} transmissions all failed may be sent again. */
    public boolean mayRetry(int failedAttempts) {
        return failedAttempts < maxAttempts;
    }

    /**
     * How long to wait for the reply to transmission number {@code transmission} (1 = first): the
     * RTO, for a retransmission stretched by the jitter, and never more than {@code maxRtoNanos}.
     */
    public long timeoutNanos(long rtoNanos, int transmission, long maxRtoNanos) {
        if (transmission <= 1 || jitter == 0) {
            return Math.min(rtoNanos, maxRtoNanos);
        }
        double factor = 1 + jitter * random.nextDouble();
        double stretched = rtoNanos * factor;
        return stretched >= maxRtoNanos ? maxRtoNanos : (long) stretched;
    }

    /** How long to wait before reconnect attempt number {@code consecutiveFailures + 1}; 0 before the first retry. */
    public long reconnectDelayNanos(int consecutiveFailures) {
        return backoffNanos(consecutiveFailures, reconnectBase);
    }

    /**
     * The reconnect wait with another base, e.g. one scaled from the measured round trip: between
     * half and all of {@code base * 2^(consecutiveFailures - 1)}, at most the reconnect bound, and
     * never more than {@link #reconnectDelayNanos} would wait.
     */
    public long backoffNanos(int consecutiveFailures, long baseNanos) {
        if (consecutiveFailures <= 0) {
            return 0;
        }
        long base = Math.clamp(baseNanos, 1, reconnectBase);
        int shift = Math.min(consecutiveFailures - 1, 30);
        long ceiling = base > (reconnectMax >> shift) ? reconnectMax : Math.min(reconnectMax, base << shift);
        return ceiling / 2 + (long) (random.nextDouble() * (ceiling - ceiling / 2));
    }
}
