package org.convkit.core.cnn.runtime;

import org.junit.After;
import org.junit.Test;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

/** The cost of fresh native memory per page: the probe's figure, or the property's when it holds a valid one. */
public class FreshPageCostTest {
	@After
	public void clearProperty() {
		System.clearProperty(FreshPageCost.PROPERTY);
	}

	@Test
	public void thePropertyTakesFiniteFiguresFromZeroUp() {
		assertEquals(12.5, FreshPageCost.parse(" 12.5 "), 0);
		assertEquals(0, FreshPageCost.parse("0"), 0);
		assertEquals(1e6, FreshPageCost.parse("1e6"), 0);
		for (String bad : new String[] { null, "", "fast", "-1", "-0.001", "NaN", "Infinity", "-Infinity", "1,5",
				"0x10" })
			assertTrue(bad, Double.isNaN(FreshPageCost.parse(bad)));
		System.setProperty(FreshPageCost.PROPERTY, "3.25");
		assertEquals(3.25, FreshPageCost.micros(), 0);
	}

	/** A figure the probe cannot give (garbage, negative) falls back to the probe, which gives a finite one ≥ 0. */
	@Test
	public void aBadPropertyFallsBackToTheProbe() {
		for (String bad : new String[] { "-5", "slow", "NaN" }) {
			System.setProperty(FreshPageCost.PROPERTY, bad);
			double m = FreshPageCost.micros();
			assertTrue(bad + " gave " + m, Double.isFinite(m) && m >= 0);
		}
	}

	/**
	 * The probe on 1 MB (cheaper than the real one): a finite figure ≥ 0 in microseconds (in nanoseconds it would be
	 * about 12,000 on the machines measured here, which took 12 µs per fresh page); nothing for less than a page.
	 */
	@Test
	public void theProbeGivesAPlausibleFigure() {
		double m = FreshPageCost.probe(1 << 20);
		System.out.println("fresh page: " + m + " µs");
		assertTrue("" + m, Double.isFinite(m) && m >= 0 && m < 200);
		for (long bytes : new long[] { 0, -1, 4095, Long.MIN_VALUE })
			assertTrue("" + bytes, Double.isNaN(FreshPageCost.probe(bytes)));
	}
}
