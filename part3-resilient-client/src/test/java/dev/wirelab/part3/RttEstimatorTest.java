package dev.wirelab.part3;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class RttEstimatorTest {

    private static final long MS = 1_000_000;

    private static RttEstimator estimator() {
        return new RttEstimator(Duration.ofSeconds(1), Duration.ofMillis(20), Duration.ofSeconds(60), Duration.ofMillis(1));
    }

    @Test
    void beforeAnySampleTheRtoIsTheInitialValue() {
        RttEstimator e = estimator();
        assertEquals(1000 * MS, e.rtoNanos());
        assertEquals(-1, e.srttNanos());
    }

    @Test
    void theFirstSampleSetsSrttToItAndRttvarToHalfOfIt() {
        RttEstimator e = estimator();
        e.sample(100 * MS);
        assertEquals(100 * MS, e.srttNanos());
        assertEquals(50 * MS, e.rttvarNanos());
        // RFC 6298 2.2: RTO = SRTT + max(G, K*RTTVAR) = 100 + 4*50
        assertEquals(300 * MS, e.rtoNanos());
    }

    @Test
    void laterSamplesAreSmoothedWithAlphaOneEighthAndBetaOneQuarter() {
        RttEstimator e = estimator();
        e.sample(100 * MS);
        e.sample(200 * MS);
        // RTTVAR = 3/4*50 + 1/4*|100-200| = 62.5; SRTT = 7/8*100 + 1/8*200 = 112.5
        assertEquals(62_500_000, e.rttvarNanos());
        assertEquals(112_500_000, e.srttNanos());
        assertEquals(112_500_000 + 4 * 62_500_000, e.rtoNanos());
    }

    @Test
    void aSteadyRttShrinksTheRtoTowardsTheRttUntilTheLowerBound() {
        RttEstimator e = estimator();
        for (int i = 0; i < 200; i++) {
            e.sample(MS / 10);
        }
        assertEquals(20 * MS, e.rtoNanos(), "clamped to the 20 ms minimum");
    }

    @Test
    void theClockGranularityIsTheSmallestVarianceTerm() {
        RttEstimator e = new RttEstimator(Duration.ofSeconds(1), Duration.ZERO, Duration.ofSeconds(60), Duration.ofMillis(5));
        for (int i = 0; i < 200; i++) {
            e.sample(10 * MS);
        }
        assertEquals(15 * MS, e.rtoNanos(), 1000, "SRTT 10 ms + G 5 ms once RTTVAR has decayed");
    }

    @Test
    void backoffDoublesTheRtoUpToTheUpperBound() {
        RttEstimator e = new RttEstimator(Duration.ofSeconds(1), Duration.ofMillis(20), Duration.ofSeconds(5), Duration.ofMillis(1));
        e.backoff();
        assertEquals(2000 * MS, e.rtoNanos());
        e.backoff();
        assertEquals(4000 * MS, e.rtoNanos());
        e.backoff();
        assertEquals(5000 * MS, e.rtoNanos());
        e.backoff();
        assertEquals(5000 * MS, e.rtoNanos());
    }

    @Test
    void aNewSampleAfterBackoffRecomputesTheRtoFromTheEstimates() {
        RttEstimator e = estimator();
        e.sample(100 * MS);
        e.backoff();
        e.backoff();
        assertEquals(1200 * MS, e.rtoNanos());
        e.sample(100 * MS);
        // RTTVAR = 3/4*50 + 0 = 37.5; SRTT = 100 -> RTO 250
        assertEquals(250 * MS, e.rtoNanos());
    }

    @Test
    void aHugeSampleIsCappedAtTheUpperBound() {
        RttEstimator e = estimator();
        e.sample(100_000 * MS);
        assertEquals(60_000 * MS, e.rtoNanos());
    }

    @Test
    void negativeSamplesAndInvertedBoundsAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> estimator().sample(-1));
        assertThrows(IllegalArgumentException.class,
                () -> new RttEstimator(Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofSeconds(1), Duration.ZERO));
    }
}
