package org.convkit.core.cnn.runtime;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;

import org.convkit.testing.LibgompReport;
import org.convkit.testing.Prerequisites;
import org.junit.Test;

import java.io.IOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * How long OpenMP's idle threads spin ({@link OpenMpSpinning}): the rule, and, in fresh JVMs (libgomp reads its
 * variables once, when it loads), the spin count the libgomp that ND4J brings reports itself
 * ({@code OMP_DISPLAY_ENV=VERBOSE} prints it as it initialises): ConvKit's 3,000 by default, the user's value or wait
 * policy kept, libgomp's own 300,000 with the switch off.
 */
public class OpenMpSpinningTest {
	@Test
	public void threeThousandUnlessTheUserSetEitherVariableOrTheSwitchIsOffOrLibgompIsLoaded() {
		assertEquals("3000", OpenMpSpinning.forSettings(null, null, null, false));
		for (String off : new String[] { "false", "FALSE", " False " })
			assertNull(off, OpenMpSpinning.forSettings(off, null, null, false));
		for (String other : new String[] { "", "true", "0", "-1", "NaN", "Infinity", "yes", "1e9", "no" })
			assertEquals("only false switches it off: '" + other + "'", "3000",
					OpenMpSpinning.forSettings(other, null, null, false));
		assertNull("the user's count", OpenMpSpinning.forSettings(null, "5000", null, false));
		assertNull("even an empty one: libgomp's to judge", OpenMpSpinning.forSettings(null, "", null, false));
		assertNull("the user's policy", OpenMpSpinning.forSettings(null, null, "ACTIVE", false));
		assertNull("loaded already: too late", OpenMpSpinning.forSettings(null, null, null, true));
	}

	@Test
	public void libgompIsSeenOnceNd4jIsLoaded() {
		Prerequisites.require("linux (libgomp is GCC's OpenMP)", System.getProperty("os.name").equals("Linux"));
		org.nd4j.linalg.factory.Nd4j.ones(4).sumNumber(); // loads ND4J, and with it libgomp
		assertTrue(OpenMpSpinning.loaded());
	}

	@Test
	public void everyLibgompThatLoadsSpinsAsChosen() throws Exception {
		Prerequisites.require("linux (libgomp is GCC's OpenMP)", System.getProperty("os.name").equals("Linux"));
		Map<String, String> env = new HashMap<>();
		env.put(OpenMpSpinning.VARIABLE, null);
		env.put(OpenMpSpinning.POLICY_VARIABLE, null);
		assertSpins("3000", "openmp=GOMP_SPINCOUNT=3000 (ConvKit's)", env, List.of());
		assertSpins("300000", "openmp=libgomp's default", env, List.of("-D" + OpenMpSpinning.PROPERTY + "=false"));
		env.put(OpenMpSpinning.VARIABLE, "12345");
		assertSpins("12345", "openmp=GOMP_SPINCOUNT=12345 (the user's)", env, List.of());
		env.put(OpenMpSpinning.VARIABLE, null);
		env.put(OpenMpSpinning.POLICY_VARIABLE, "ACTIVE"); // libgomp's own count for it: 30,000,000,000
		assertSpins("30000000000", "openmp=OMP_WAIT_POLICY=ACTIVE (the user's)", env, List.of());
	}

	/**
	 * A child JVM trains a step; every libgomp in it (ND4J's, which the block's oneDNN shares) reports {@code count},
	 * and ConvKit's report is {@code report}.
	 */
	private static void assertSpins(String count, String report, Map<String, String> env, List<String> options)
			throws IOException, InterruptedException {
		String text = NativeBuildProbe.output(null, LibgompReport.asked(env), options);
		List<String> counts = LibgompReport.spinCounts(text);
		assertFalse("libgomp reported nothing:\n" + text, counts.isEmpty());
		for (String c : counts)
			assertEquals(text, count, c);
		assertTrue(text, text.contains(report + "\n"));
	}
}
