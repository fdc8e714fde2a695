package dev.wirelab.part3;

import java.time.Duration;

/**
 * The retransmission timeout of RFC 6298: a smoothed round-trip time (SRTT) and its variation
 * (RTTVAR) learned from measured samples, RTO = SRTT + max(G, 4·RTTVAR), kept between a lower and
 * an upper bound, doubled on a timeout ("backing off the timer") until the next valid sample.
 *
 * <p>Karn's rule is the caller's half of the contract: only feed {@link #sample} with the round trip
 * of a message that was transmitted exactly once. A retransmitted message's ACK cannot be matched to
 * one of its transmissions, so its "RTT" would be wrong one way or the other.
 *
 * <p>Pure arithmetic on nanoseconds, no clock: tests drive it with made-up samples.
 */
public final class RttEstimator {

    /** RFC 6298 section 2: alpha = 1/8, beta = 1/4, K = 4. */
    private static final double ALPHA = 1.0 / 8;
    private static final double BETA = 1.0 / 4;
    private static final int K = 4;

    private final long minRto;
    private final long maxRto;
    private final long granularity;
    private double srtt = -1;
    private double rttvar;
    private long rto;
    private int samples;

    /**
     * @param initialRto  the RTO before the first sample (RFC 6298 recommends 1 s)
     * @param minRto      lower bound; RFC 6298 says 1 s for TCP across the Internet, a lab on loopback
     *                    can afford far less
     * @param maxRto      upper bound, also for backoff (RFC 6298 allows a maximum only if it is at
     *                    least 60 s; the client's 10 s default is a lab's choice)
     * @param granularity the clock granularity G
     */
    public RttEstimator(Duration initialRto, Duration minRto, Duration maxRto, Duration granularity) {
        if (minRto.isNegative() || maxRto.compareTo(minRto) < 0) {
            throw new IllegalArgumentException("need 0 <= min RTO <= max RTO, got " + minRto + " and " + maxRto);
        }
        this.minRto = minRto.toNanos();
        this.maxRto = maxRto.toNanos();
        this.granularity = granularity.toNanos();
        this.rto = clamp(initialRto.toNanos());
    }

    /** Feeds one RTT measurement of a message sent once (Karn's rule); recomputes the RTO (RFC 6298 2.2, 2.3). */
    public void sample(long rttNanos) {
        if (rttNanos < 0) {
            throw new IllegalArgumentException("negative RTT " + rttNanos);
        }
        if (srtt < 0) {
            srtt = rttNanos;
            rttvar = rttNanos / 2.0;
        } else {
            // RTTVAR first, with the old SRTT, as the RFC orders it.
            rttvar = (1 - BETA) * rttvar + BETA * Math.abs(srtt - rttNanos);
            srtt = (1 - ALPHA) * srtt + ALPHA * rttNanos;
        }
        samples++;
        rto = clamp((long) (srtt + Math.max(granularity, K * rttvar)));
    }

    /** A timer expired (RFC 6298 5.5): double the RTO, at most to the upper bound, until a new sample arrives. */
    public void backoff() {
        rto = clamp(rto > maxRto / 2 ? maxRto : rto * 2);
    }

    public long rtoNanos() {
        return rto;
    }

    public Duration rto() {
        return Duration.ofNanos(rto);
    }

    /** The smoothed RTT, or -1 before the first sample. */
    public long srttNanos() {
        return (long) srtt;
    }

    public long rttvarNanos() {
        return (long) rttvar;
    }

    public int samples() {
        return samples;
    }

    public long minRtoNanos() {
        return minRto;
    }

    public long maxRtoNanos() {
        return maxRto;
    }

    private long clamp(long nanos) {
        return Math.max(minRto, Math.min(maxRto, nanos));
    }
}
