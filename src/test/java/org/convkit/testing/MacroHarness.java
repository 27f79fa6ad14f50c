package org.convkit.testing;

import ij.IJ;
import ij.ImagePlus;
import ij.Macro;
import ij.WindowManager;
import org.convkit.plugins.support.Failures;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

/**
 * Runs commands exactly as a recorded macro does ({@code IJ.run(imp, "Command...", "key=value")}) in a headless
 * JVM patched by ij1-patcher (see the surefire argLine), and fails on what ImageJ would otherwise swallow: a
 * plugin exception (logged by ImageJ's Executer), an error a command reported, or an unrecognized command.
 */
public final class MacroHarness {
	private MacroHarness() {}

	/** What one command run left behind. */
	public static final class Outcome {
		public final List<String> failures;
		public final String output;

		Outcome(List<String> failures, String output) {
			this.failures = failures;
			this.output = output;
		}

		public String failureText() {
			return String.join("\n", failures);
		}
	}

	/** Runs the command and asserts that it succeeded. */
	public static void run(ImagePlus imp, String command, String options) {
		Outcome o = attempt(imp, command, options);
		if (!o.failures.isEmpty()) fail(command + " [" + options + "] failed: " + o.failureText() + "\n" + o.output);
		assertNoSwallowedException(command, o.output);
	}

	/**
	 * Runs the command, asserts that it succeeded, and returns the one image it created (IJ.run(imp, ...) makes
	 * the input image current again afterwards, so the new image is found by its ID).
	 */
	public static ImagePlus runForNewImage(ImagePlus imp, String command, String options) {
		Set<Integer> before = ids();
		run(imp, command, options);
		Set<Integer> created = ids();
		created.removeAll(before);
		assertEquals(command + " [" + options + "] should create exactly one image", 1, created.size());
		return WindowManager.getImage(created.iterator().next());
	}

	private static Set<Integer> ids() {
		Set<Integer> ids = new HashSet<>();
		int[] list = WindowManager.getIDList();
		if (list != null) for (int id : list) ids.add(id);
		return ids;
	}

	/** Runs the command, asserts that it failed with a message containing {@code expected}, and returns it. */
	public static String runExpectingError(ImagePlus imp, String command, String options, String expected) {
		Outcome o = attempt(imp, command, options);
		assertNoSwallowedException(command, o.output);
		assertEquals(command + " [" + options + "] should fail exactly once; output:\n" + o.output, 1,
				o.failures.size());
		String message = o.failures.get(0);
		assertTrue("message '" + message + "' should mention '" + expected + "'",
				message.toLowerCase().contains(expected.toLowerCase()));
		return message;
	}

	/** Runs the command and returns what happened, for tests that inspect the log. */
	public static synchronized Outcome attempt(ImagePlus imp, String command, String options) {
		Failures.drain();
		IJ.getErrorMessage();
		PrintStream out = System.out, err = System.err;
		ByteArrayOutputStream captured = new ByteArrayOutputStream();
		System.setOut(new PrintStream(new Tee(out, captured), true));
		System.setErr(new PrintStream(new Tee(err, captured), true));
		try {
			if (imp != null) WindowManager.setTempCurrentImage(imp);
			IJ.run(imp, command, options);
		} catch (RuntimeException e) {
			// A command that aborts the macro (bad input) throws "Macro canceled" here.
			if (!Macro.MACRO_CANCELED.equals(e.getMessage())) throw e;
		} finally {
			System.out.flush();
			System.err.flush();
			System.setOut(out);
			System.setErr(err);
		}
		String text = captured.toString();
		if (text.contains("Unrecognized command")) fail("ImageJ does not know '" + command + "':\n" + text);
		return new Outcome(Failures.drain(), text);
	}

	private static void assertNoSwallowedException(String command, String output) {
		if (output.contains("Exception") && output.contains("\tat "))
			fail(command + " threw an exception that ImageJ swallowed:\n" + output);
	}

	private static final class Tee extends OutputStream {
		private final OutputStream a, b;

		Tee(OutputStream a, OutputStream b) {
			this.a = a;
			this.b = b;
		}

		@Override
		public void write(int c) {
			try {
				a.write(c);
			} catch (java.io.IOException ignored) {
				// the console is best effort; the capture is what tests read
			}
			synchronized (b) {
				try {
					b.write(c);
				} catch (java.io.IOException ignored) {
					// ByteArrayOutputStream does not throw
				}
			}
		}
	}
}
