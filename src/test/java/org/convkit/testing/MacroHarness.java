package org.convkit.testing;

import ij.IJ;
import ij.ImagePlus;
import ij.Macro;
import ij.WindowManager;
import ij.macro.Interpreter;
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
		/** {@link #runInMacro}: ImageJ aborted the macro (an error message or Macro.abort), and its message. */
		public final boolean aborted;
		public final String macroError;

		Outcome(List<String> failures, String output) {
			this(failures, output, false, null);
		}

		Outcome(List<String> failures, String output, boolean aborted, String macroError) {
			this.failures = failures;
			this.output = output;
			this.aborted = aborted;
			this.macroError = macroError;
		}

		/** A Java stack trace in the console or the Log (headless, ImageJ's Log is the console). */
		public boolean hasStackTrace() {
			return output.contains("\tat ") || output.matches("(?s).*\\n\\s+at [\\w$.<>/]+\\(.*");
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
		String text = console(command, () -> {
			try {
				if (imp != null) WindowManager.setTempCurrentImage(imp);
				IJ.run(imp, command, options);
			} catch (RuntimeException e) {
				// A command that aborts the macro (bad input) throws "Macro canceled" here.
				if (!Macro.MACRO_CANCELED.equals(e.getMessage())) throw e;
			}
		});
		return new Outcome(Failures.drain(), text);
	}

	/**
	 * Runs the command as a one-line macro through ImageJ's macro interpreter (as {@code ./convkit --headless} does),
	 * with {@code imp} as the current image (none when null). Unlike {@link #attempt}, an {@code IJ.error} from deep
	 * inside the command (e.g. ImageJ's image opener) aborts the macro here as it does for a user.
	 */
	public static Outcome runInMacro(ImagePlus imp, String command, String options) {
		return runInMacro(imp, "", command, options);
	}

	/**
	 * As {@link #runInMacro(ImagePlus, String, String)}, with macro lines run before the command in the same macro
	 * (e.g. opening a ROI set into the macro's own ROI Manager, as a batch macro does).
	 */
	public static synchronized Outcome runInMacro(ImagePlus imp, String prelude, String command, String options) {
		String macro = prelude + "run(\"" + escape(command) + "\", \"" + escape(options) + "\");\n";
		boolean[] aborted = new boolean[1];
		String[] message = new String[1];
		Throwable[] thrown = new Throwable[1];
		String text = console(command, () -> {
			Thread t = new Thread(() -> {
				WindowManager.setTempCurrentImage(imp);
				Interpreter interpreter = new Interpreter();
				try {
					aborted[0] = "[aborted]".equals(interpreter.run(macro, ""));
				} catch (RuntimeException e) {
					if (Macro.MACRO_CANCELED.equals(e.getMessage())) aborted[0] = true;
					else thrown[0] = e;
				} catch (Throwable e) {
					thrown[0] = e;
				} finally {
					WindowManager.setTempCurrentImage(null);
				}
				aborted[0] |= interpreter.wasError();
				message[0] = interpreter.getErrorMessage();
			}, "convkit-test_Macro$");
			t.start();
			try {
				t.join();
			} catch (InterruptedException e) {
				Thread.currentThread().interrupt();
				throw new IllegalStateException(e);
			}
		});
		if (thrown[0] != null) throw new AssertionError(command + " [" + options + "] crashed the macro: " + thrown[0]
				+ "\n" + text, thrown[0]);
		return new Outcome(Failures.drain(), text, aborted[0], message[0]);
	}

	/** Runs {@code body} with the console captured (and still shown); fails on an unknown command. */
	private static String console(String command, Runnable body) {
		Failures.drain();
		IJ.getErrorMessage();
		PrintStream out = System.out, err = System.err;
		ByteArrayOutputStream captured = new ByteArrayOutputStream();
		System.setOut(new PrintStream(new Tee(out, captured), true));
		System.setErr(new PrintStream(new Tee(err, captured), true));
		try {
			body.run();
		} finally {
			System.out.flush();
			System.err.flush();
			System.setOut(out);
			System.setErr(err);
		}
		String text = captured.toString();
		if (text.contains("Unrecognized command")) fail("ImageJ does not know '" + command + "':\n" + text);
		return text;
	}

	private static String escape(String s) {
		return s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
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
