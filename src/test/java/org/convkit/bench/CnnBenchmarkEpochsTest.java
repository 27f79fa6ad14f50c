package org.convkit.bench;

import org.junit.Test;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

/** CONVKIT_BENCH_EPOCHS (the epochs of each round's training run in the CNN cases) and CONVKIT_MACRO_EPOCHS. */
public class CnnBenchmarkEpochsTest {
	@Test
	public void unsetOrEmptyIsOneEpochAndWholeNumbersUpToAHundredAreTaken() {
		assertEquals(1, CnnBenchmark.epochsPerRound(null));
		assertEquals(1, CnnBenchmark.epochsPerRound(""));
		assertEquals(1, CnnBenchmark.epochsPerRound("  "));
		assertEquals(5, CnnBenchmark.epochsPerRound("5"));
		assertEquals(5, CnnBenchmark.epochsPerRound(" 5 "));
		assertEquals(100, CnnBenchmark.epochsPerRound("100"));
	}

	@Test
	public void anythingElseIsRefusedWithTheValueInTheMessage() {
		for (String bad : new String[] { "0", "-3", "101", "2147483648", "NaN", "Infinity", "1.5", "five", "1e2" }) {
			IllegalArgumentException e = assertThrows(bad, IllegalArgumentException.class,
					() -> CnnBenchmark.epochsPerRound(bad));
			assertTrue(e.getMessage(), e.getMessage().contains("CONVKIT_BENCH_EPOCHS")
					&& e.getMessage().contains("'" + bad + "'"));
		}
	}

	@Test
	public void theMacroPathsEpochsAreThreeUnlessSetAndJunkNamesItsVariable() {
		assertEquals(3, CnnBenchmark.epochs("CONVKIT_MACRO_EPOCHS", null, 3));
		assertEquals(3, CnnBenchmark.epochs("CONVKIT_MACRO_EPOCHS", " ", 3));
		assertEquals(15, CnnBenchmark.epochs("CONVKIT_MACRO_EPOCHS", "15", 3));
		for (String bad : new String[] { "0", "-1", "101", "NaN", "Infinity", "ten" }) {
			IllegalArgumentException e = assertThrows(bad, IllegalArgumentException.class,
					() -> CnnBenchmark.epochs("CONVKIT_MACRO_EPOCHS", bad, 3));
			assertTrue(e.getMessage(), e.getMessage().startsWith("CONVKIT_MACRO_EPOCHS must be")
					&& e.getMessage().contains("'" + bad + "'"));
		}
	}
}
