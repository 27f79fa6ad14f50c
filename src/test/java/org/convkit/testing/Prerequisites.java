package org.convkit.testing;

import org.junit.AssumptionViolatedException;

import java.awt.GraphicsEnvironment;
import java.io.File;
import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * What a test needs from the machine beyond the JVM: a display, python3 with numpy/scipy, Maven, Debian's
 * {@code imagej} package. The one rule for all of them: under CI (the environment variable {@code CI=true}, which
 * {@code .ci/run} sets and CI services set) a missing prerequisite FAILS the test, because a CI run that skipped
 * the scipy comparisons or the GUI tests would report success without having checked anything; locally it skips
 * the test and prints the reason, so a developer without a display or scipy can still run the rest.
 * {@code .ci/run} installs every prerequisite named here.
 */
public final class Prerequisites {
	/** Debian's interpreter (python3-numpy, python3-scipy), not a virtualenv's: the one .ci/run installs into. */
	public static final String PYTHON = "/usr/bin/python3";

	private static final Map<String, Boolean> CHECKED = new ConcurrentHashMap<>();

	private Prerequisites() {}

	/** True under CI ({@code CI=true}): missing prerequisites fail instead of skipping. */
	public static boolean strict() {
		return "true".equalsIgnoreCase(System.getenv("CI"));
	}

	/**
	 * Passes when {@code present}; otherwise fails under CI, or skips the test (or test class, from a
	 * {@code @BeforeClass}) with {@code what} printed.
	 */
	public static void require(String what, boolean present) {
		require(what, present, strict());
	}

	static void require(String what, boolean present, boolean strict) {
		if (present) return;
		String reason = "missing prerequisite: " + what;
		if (strict) throw new AssertionError(reason + " (CI=true: every prerequisite must be installed, see .ci/run)");
		System.err.println("SKIPPED (" + reason + ")");
		throw new AssumptionViolatedException(reason);
	}

	/** A display that AWT can open windows on (Xvfb in CI). */
	public static void requireDisplay() {
		require("a display: DISPLAY is not set (run the tests under xvfb-run)", System.getenv("DISPLAY") != null);
		require("a display: AWT is headless (java.awt.headless=true)", !GraphicsEnvironment.isHeadless());
	}

	/** {@link #PYTHON} that imports every module, e.g. {@code "numpy"}, {@code "scipy.ndimage"}. */
	public static void requirePython(String... modules) {
		String imports = String.join(", ", modules);
		require(PYTHON + " with " + imports + " (apt-get install python3-numpy python3-scipy)",
				new File(PYTHON).canExecute() && runs(PYTHON, "-c", "import " + imports));
	}

	/** A program on the PATH that runs and exits 0 with the given arguments (e.g. {@code "mvn", "-v"}). */
	public static void requireProgram(String why, String... command) {
		require(command[0] + " (" + why + ")", runs(command));
	}

	/** Whether the command exits 0 within a minute; remembered for the JVM. */
	private static boolean runs(String... command) {
		List<String> cmd = Arrays.asList(command);
		return CHECKED.computeIfAbsent(String.join("\u0000", cmd), k -> {
			try {
				Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
						.redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
				if (!p.waitFor(60, TimeUnit.SECONDS)) {
					p.destroyForcibly();
					return false;
				}
				return p.exitValue() == 0;
			} catch (IOException e) {
				return false;
			} catch (InterruptedException e) {
				Thread.currentThread().interrupt();
				return false;
			}
		});
	}
}
