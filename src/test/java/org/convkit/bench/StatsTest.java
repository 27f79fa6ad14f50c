package org.convkit.bench;

import org.junit.Test;

import java.util.Arrays;
import java.util.Collections;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

/** The benchmarks' medians: the middle value, or the mean of the middle two for an even number of rounds. */
public class StatsTest {
	@Test
	public void anEvenCountTakesTheMeanOfTheMiddleTwoNotTheUpperOne() {
		assertEquals(220.5, RuntimeBenchmark.Stats.median(Arrays.asList(232.0, 209.0)), 0);
		assertEquals(2.5, RuntimeBenchmark.Stats.median(new double[] { 4, 1, 3, 2 }), 0);
		assertEquals(3, RuntimeBenchmark.Stats.median(Arrays.asList(5.0, 1.0, 3.0)), 0);
		assertEquals(7, RuntimeBenchmark.Stats.median(Collections.singletonList(7.0)), 0);
		assertTrue(Double.isNaN(RuntimeBenchmark.Stats.median(Collections.emptyList())));
	}
}
