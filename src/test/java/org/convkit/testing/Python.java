package org.convkit.testing;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

/**
 * Debian's python3 with numpy/scipy as an independent reference: check it first with
 * {@link Prerequisites#requirePython} (fails under CI, skips locally), then run a script here.
 */
public final class Python {
	private Python() {}

	/** Runs the script with the arguments; fails unless it ends within 2 minutes with exit code 0. */
	public static String run(Path script, List<String> args) throws Exception {
		List<String> cmd = new ArrayList<>(Arrays.asList(Prerequisites.PYTHON, script.toString()));
		cmd.addAll(args);
		// Output to a file, so that the time limit holds even if the script hangs with its pipe open.
		Path log = Files.createTempFile("convkit-python", ".log");
		try {
			Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
			boolean ended = p.waitFor(120, TimeUnit.SECONDS);
			if (!ended) p.destroyForcibly();
			String said = Files.readString(log);
			assertTrue("python did not finish within 2 minutes: " + said, ended);
			assertEquals(said, 0, p.exitValue());
			return said;
		} finally {
			Files.deleteIfExists(log);
		}
	}
}
