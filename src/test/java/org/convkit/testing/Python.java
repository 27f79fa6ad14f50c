package org.convkit.testing;

import java.io.File;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assume.assumeTrue;

/** Debian's python3 with numpy/scipy as an independent reference (skipped when missing; CI installs them). */
public final class Python {
	public static final String PYTHON = "/usr/bin/python3";

	private Python() {}

	/** Skips the calling test unless python3 can import every module named. */
	public static void assumeModules(String... modules) throws Exception {
		assumeTrue("no " + PYTHON, new File(PYTHON).canExecute());
		for (String m : modules) {
			Process p = new ProcessBuilder(PYTHON, "-c", "import " + m).redirectErrorStream(true).start();
			p.getInputStream().readAllBytes();
			assumeTrue("no " + m + " in " + PYTHON, p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0);
		}
	}

	/** Runs the script with the arguments; fails unless it ends within 2 minutes with exit code 0. */
	public static String run(Path script, List<String> args) throws Exception {
		List<String> cmd = new ArrayList<>(Arrays.asList(PYTHON, script.toString()));
		cmd.addAll(args);
		Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
		String said = new String(p.getInputStream().readAllBytes());
		assertTrue("python did not finish", p.waitFor(120, TimeUnit.SECONDS));
		assertEquals(said, 0, p.exitValue());
		return said;
	}
}
