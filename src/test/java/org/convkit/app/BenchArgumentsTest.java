package org.convkit.app;

import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

/**
 * {@code ./convkit --bench ROUNDS ...} refuses a ROUNDS that is not a whole number from 1 to 9999 with one line and
 * exit code 2 (bad usage), before building or starting Java: the benchmark itself gave a stack trace for a word or
 * a negative number and a table of NaN for 0.
 */
public class BenchArgumentsTest {
	private static final Path BASE = HeadlessProcess.basedir();

	@Rule
	public TemporaryFolder tmp = new TemporaryFolder();

	@Test
	public void roundsThatAreNotAWholeNumberFrom1To9999AreRefused() throws Exception {
		for (String rounds : new String[] { "0", "-1", "x", "1.5", "", " 3", "NaN", "Infinity", "10000",
				"99999999999999999999" }) {
			Path log = tmp.newFile().toPath();
			Process p = new ProcessBuilder("bash", BASE.resolve("convkit").toString(), "--bench", rounds, "lenet")
					.redirectErrorStream(true).redirectOutput(log.toFile()).start();
			p.getOutputStream().close();
			// a launcher without the check would build ConvKit if needed and start a benchmark JVM
			boolean ended = p.waitFor(20, TimeUnit.SECONDS);
			if (!ended) p.destroyForcibly().waitFor();
			String out = new String(Files.readAllBytes(log), StandardCharsets.UTF_8);
			assertTrue("'" + rounds + "': still running after 20 s: " + out, ended);
			assertEquals("'" + rounds + "': " + out, 2, p.exitValue());
			assertEquals("convkit: --bench ROUNDS must be a whole number from 1 to 9999, got '" + rounds
					+ "' (e.g. ./convkit --bench 3 lenet)\n", out);
		}
	}
}
