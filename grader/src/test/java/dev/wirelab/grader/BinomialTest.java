package dev.wirelab.grader;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class BinomialTest {

    @Test
    void theBoundsLeaveAtMostAlphaOutsideHalfOnEachSide() {
        Binomial b = Binomial.bounds(300, 0.3, 0.001);
        double[] pmf = Binomial.pmf(300, 0.3);
        double below = 0;
        for (int k = 0; k < b.low(); k++) {
            below += pmf[k];
        }
        double above = 0;
        for (int k = b.high() + 1; k <= 300; k++) {
            above += pmf[k];
        }
        assertTrue(below <= 0.0005 && above <= 0.0005, below + " " + above);
        // ...and they are the tightest such bounds: one step in on either side leaves more out.
        assertTrue(below + pmf[b.low()] > 0.0005);
        assertTrue(above + pmf[b.high()] > 0.0005);
        assertTrue(b.contains(90) && !b.contains(b.low() - 1) && !b.contains(b.high() + 1));
    }

    @Test
    void theProbabilitiesSumToOneEvenForThousandsOfTries() {
        double sum = 0;
        for (double p : Binomial.pmf(5000, 0.2)) {
            sum += p;
        }
        assertEquals(1.0, sum, 1e-9);
    }

    @Test
    void certainEventsHaveOnePossibleCount() {
        Binomial always = Binomial.bounds(50, 1.0, 0.001);
        assertEquals(50, always.low());
        assertEquals(50, always.high());
        assertFalse(Binomial.bounds(50, 0.0, 0.001).contains(1));
    }

    @Test
    void nonsenseIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> Binomial.bounds(0, 0.5, 0.01));
        assertThrows(IllegalArgumentException.class, () -> Binomial.bounds(10, 1.5, 0.01));
        assertThrows(IllegalArgumentException.class, () -> Binomial.bounds(10, 0.5, 0));
    }
}
